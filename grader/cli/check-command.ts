import type { BuilderRequest } from "../grading/choose-builder";
import { appendFileSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { runGrading } from "../grading/run-grading";
import { notGradedSummary } from "../report/grades";
import { notGradedForDisk, notGradedByTheEngine } from "./not-graded-exit";
import { loadLabSpec } from "../lab/lab-spec";
import { ciSubmissionId, classroomFailure, classroomRunners, type ClassroomRunner } from "../report/classroom";
import { gradescopeFailure, gradescopeResults } from "../report/gradescope";
import { renderSubmissionMarkdown } from "../report/markdown";
import { sanitizeForLog } from "../report/sanitize";

export interface CheckOptions {
  lab: string;
  gradescope?: string;
  classroom: boolean;
  /** The submission's id in the reports (default: the CI's repository name, else the folder's name). */
  id?: string;
  out?: string;
  buildTimeout?: number;
  probeTimeout?: number;
  builder?: BuilderRequest;
  cacheLimit?: number;
  requireBuildLimits?: boolean;
}

/**
 * `lab-grader check [dir]`: a student's self-check — the same checks as `grade`, on one submission, with each
 * check's verdict, points, message and hint. Exit 0 only when every check passed.
 */
export async function checkCommand(dir: string, options: CheckOptions): Promise<number> {
  const started = Date.now();
  const seconds = (): number => (Date.now() - started) / 1000;
  let checkIds: string[] = [];
  try {
    const absolute = path.resolve(dir);
    if (!isDirectory(absolute))
      throw new UserFacingError(`${dir} is not a directory: run lab-grader check in your submission's folder, or pass it`, ExitCode.usage);
    const spec = loadLabSpec(options.lab);
    checkIds = Object.keys(spec.points);
    const grades = await runGrading({
      spec,
      submissions: [{ id: options.id ?? ciSubmissionId() ?? path.basename(absolute), dir: absolute }],
      skipped: [],
      outDir: options.out ?? mkdtempSync(path.join(tmpdir(), "lab-grader-check-")),
      concurrency: 1,
      buildTimeoutSeconds: options.buildTimeout,
      probeTimeoutSeconds: options.probeTimeout,
      keepImages: false,
      builder: options.builder,
      cacheLimitMb: options.cacheLimit,
      requireBuildLimits: options.requireBuildLimits,
      printTable: false,
    });
    const submission = grades.submissions[0];
    const idWidth = Math.max(...submission.checks.map((c) => c.id.length));
    for (const check of submission.checks) {
      const [mark, points] = check.notGraded ? ["○", "–"] : [check.passed ? "✓" : "✗", String(check.points)];
      console.log(`${mark} ${check.id.padEnd(idWidth)}  ${points}/${check.maxPoints}  ${indent(check.message)}`);
      if (!check.passed && !check.notGraded && check.hint) console.log(`    hint: ${indent(check.hint)}`);
    }
    const notGraded = submission.notGraded ? ` (${notGradedSummary(submission.notGraded)})` : "";
    console.log(`score: ${submission.score}/${submission.maxScore}${notGraded}`);
    if (options.gradescope) writeFileSync(options.gradescope, JSON.stringify(gradescopeResults(submission, seconds(), spec.visibility), null, 2));
    if (options.classroom) {
      writeClassroomOutputs(classroomRunners(submission, seconds()));
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, renderSubmissionMarkdown(grades, submission));
    }
    return (
      notGradedForDisk(grades.submissions) ??
      notGradedByTheEngine(grades.submissions) ??
      (submission.checks.every((c) => c.passed) ? ExitCode.ok : ExitCode.checksFailed)
    );
  } catch (error) {
    // Gradescope shows nothing at all without a results file, and Classroom's reporter fails on a missing
    // result: both get one that says what went wrong.
    if (options.gradescope) writeFileSync(options.gradescope, JSON.stringify(gradescopeFailure((error as Error).message, seconds()), null, 2));
    if (options.classroom)
      writeClassroomOutputs(classroomFailure(checkIds.length ? checkIds : labCheckIds(options.lab), (error as Error).message, seconds()));
    throw error;
  }
}

/** Each runner's result as `<check id>=<base64>` on stdout and as a step output (`steps.<id>.outputs['<check id>']`). */
function writeClassroomOutputs(runners: ClassroomRunner[]): void {
  for (const { runner, result } of runners) {
    console.log(`${runner}=${result}`);
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${runner}=${result}\n`);
  }
}

/** The lab's check ids, when its spec can be read at all (the failure may be that it cannot). */
function labCheckIds(labFile: string): string[] {
  try {
    return Object.keys(loadLabSpec(labFile).points);
  } catch {
    return [];
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Continuation lines indented, so no line of a message can start at column 0 (`::` commands in CI logs). */
export function indent(text: string): string {
  return sanitizeForLog(text).replace(/\n/g, "\n      ");
}
