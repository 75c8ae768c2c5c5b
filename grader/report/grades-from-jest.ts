import type { AggregatedResult, AssertionResult } from "@jest/test-result";
import type { CheckResult } from "../checks/check";
import { CheckRecords } from "../jest/check-records";
import type { GradingRunConfig } from "../jest/run-config";
import type { LabSpec } from "../lab/lab-spec";
import { packageVersion } from "../common/package-path";
import { compareIds } from "../submission/discover";
import { submissionGrade, type GradesDocument, type SubmissionGrade } from "./grades";
import { writeOutputs } from "./write-outputs";
import { stripAnsi } from "./sanitize";
import { renderSummaryTable } from "./summary-table";

/**
 * Turns a grading run's Jest results into grades and writes every output (results.json last), with a table on
 * stdout when asked. Jest's pass/fail is authoritative; each check's record adds its message, points and hint.
 */
export function reportGrades(config: GradingRunConfig, spec: LabSpec, results: AggregatedResult): GradesDocument {
  const grades = buildGrades(config, spec, results);
  writeOutputs(config.outDir, grades, { bom: config.csvBom });
  for (const warning of unusedSpecKeys(spec, grades)) process.stderr.write(`warning: ${warning}\n`);
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
          passed: false,
          points: 0,
          maxPoints: c.points,
          message: `grader error: the check did not run (${stripAnsi(loadError ?? "the spec file declared no test for this submission")})`,
        }));
    return submissionGrade(submission.id, checks, summary, own.length ? undefined : "the checks did not run");
  });
  const submissions = [...graded, ...config.reused].sort((a, b) => compareIds(a.id, b.id));
  return {
    lab: { id: spec.id, title: spec.title, file: config.labFile },
    runId: config.runId,
    startedAt: config.startedAt,
    gradedAt: new Date().toISOString(),
    engine: config.engine,
    reference: config.reference,
    submissions,
    skipped: config.skipped,
    // maxRSS is in kilobytes; the grading runs in this process (Jest in band), so this is the grader's peak.
    grader: { version: packageVersion(), peakRssBytes: process.resourceUsage().maxRSS * 1024 },
  };
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

/** A check's result: its record, or — when it has none (the test timed out, or crashed before recording) — Jest's. */
function checkFromAssertion(assertion: AssertionResult, recorded: Map<string, CheckResult>, spec: LabSpec): CheckResult {
  const id = assertion.title;
  const maxPoints = spec.points[id] ?? 0;
  const passed = assertion.status === "passed";
  const record = recorded.get(id);
  if (record && record.passed === passed) return record;
  const message = passed ? "" : stripAnsi(assertion.failureMessages.join("\n")).split("\n").slice(0, 5).join("\n") || `the check ${assertion.status}`;
  return { id, passed, points: passed ? maxPoints : 0, maxPoints, message: passed ? message : `grader error: ${message}` };
}
