import type { AggregatedResult, AssertionResult } from "@jest/test-result";
import { graderErrorOutcome, type CheckResult } from "../checks/check";
import { CheckRecords } from "../jest/check-records";
import type { EngineSummary, GradingRunConfig } from "../jest/run-config";
import { overshootAllowance } from "../grading/disk-floor";
import type { LabSpec } from "../lab/lab-spec";
import { packageVersion } from "../common/package-path";
import { compareIds } from "../submission/discover";
import { submissionGrade, type GradesDocument, type SubmissionGrade } from "./grades";
import { writeOutputs } from "./write-outputs";
import { stripAnsi } from "./sanitize";
import { renderSummaryTable } from "./summary-table";

/**
 * Turns a grading run's Jest results into grades and writes every output (results.json last), with a table on
 * stdout when asked. A check's verdict is its record, written by the test the moment the check decides; Jest's result
 * is read only for a check that has none (its test failed before deciding), which is a grader error.
 */
export function reportGrades(config: GradingRunConfig, spec: LabSpec, results: AggregatedResult): GradesDocument {
  const grades = buildGrades(config, spec, results);
  writeOutputs(config.outDir, grades, { bom: config.csvBom });
  for (const warning of [...unusedSpecKeys(spec, grades), ...diskGuardWarnings(grades)]) process.stderr.write(`warning: ${warning}\n`);
  if (config.printTable) process.stdout.write(`${renderSummaryTable(grades)}\n`);
  return grades;
}

export function buildGrades(config: GradingRunConfig, spec: LabSpec, results: AggregatedResult): GradesDocument {
  const records = new CheckRecords(config.recordsDir);
  const assertions = results.testResults.flatMap((file) => file.testResults);
  const loadError = results.testResults.map((file) => file.testExecError?.message).find(Boolean);
  const graded = config.submissions.map((submission, index): SubmissionGrade => {
    const own = assertions.filter((a) => a.ancestorTitles[0] === submission.id);
    const recorded = records.readChecks(index);
    const summary = records.readSummary(index);
    const checks = own.length
      ? own.map((assertion) => checkFromAssertion(assertion, recorded, spec))
      : spec.checks.map((c) => ({
          id: c.id,
          points: 0,
          maxPoints: c.points,
          ...graderErrorOutcome(`the check did not run (${stripAnsi(loadError ?? "the spec file declared no test for this submission")})`),
        }));
    return submissionGrade(submission.id, checks, summary, own.length ? undefined : "the checks did not run");
  });
  const submissions = [...graded, ...config.reused].sort((a, b) => compareIds(a.id, b.id));
  return {
    lab: { id: spec.id, title: spec.title, file: config.labFile },
    runId: config.runId,
    startedAt: config.startedAt,
    gradedAt: new Date().toISOString(),
    engine: { ...config.engine, ...diskGuardOf(records) },
    reference: config.reference,
    submissions,
    skipped: config.skipped,
    // maxRSS is in kilobytes; the grading runs in this process (Jest in band), so this is the grader's peak.
    grader: { version: packageVersion(), peakRssBytes: process.resourceUsage().maxRSS * 1024 },
  };
}

/** What the disk guard saw, with the allowance it kept room for: where the engine's free space was read. */
function diskGuardOf(records: CheckRecords): Pick<EngineSummary, "diskGuard"> {
  const figures = records.readDiskGuard();
  return figures ? { diskGuard: { allowanceBytes: overshootAllowance(), ...figures } } : {};
}

/** A run whose writers got further past their last check than the room kept above the floor for it. */
export function diskGuardWarnings(grades: GradesDocument): string[] {
  const guard = grades.engine.diskGuard;
  if (!guard || guard.largestUncheckedBytes <= guard.allowanceBytes) return [];
  const mib = (bytes: number): number => Math.round(bytes / 1024 ** 2);
  return [
    `writers on this engine wrote up to ${mib(guard.largestUncheckedBytes)} MiB before the disk guard froze them, more than the ` +
      `${mib(guard.allowanceBytes)} MiB kept above the floor for it (a disk faster than the grader assumes, or a machine too busy ` +
      "to read the free space on time): the floor may be crossed. Raise sandbox.diskFloorMb by the difference",
  ];
}

/** Checks the lab's YAML declares that no test graded: a `custom` check its spec file never declared. */
function unusedSpecKeys(spec: LabSpec, grades: GradesDocument): string[] {
  const used = new Set(grades.submissions.flatMap((s) => s.checks.map((c) => c.id)));
  if (!used.size) return [];
  return spec.checks
    .filter((c) => !used.has(c.id))
    .map(
      (c) => `${spec.file}: check ${c.id} (kind ${c.kind}) was graded by no test: declare it in the lab's spec file with check({ id: "${c.id}" }, …)`,
    );
}

/**
 * A check's result: its record. A test that ended without one crashed before the check decided (grading Jest runs
 * have no test timeout: the grader's own timeouts end every phase), so Jest's message is the grader error.
 */
function checkFromAssertion(assertion: AssertionResult, recorded: Map<string, CheckResult>, spec: LabSpec): CheckResult {
  const id = assertion.title;
  const record = recorded.get(id);
  if (record) return record;
  const failure = stripAnsi(assertion.failureMessages.join("\n")).split("\n").slice(0, 5).join("\n");
  return {
    id,
    points: 0,
    maxPoints: spec.points[id] ?? 0,
    ...graderErrorOutcome(`the check decided nothing (${failure || `its test ${assertion.status}`})`),
  };
}
