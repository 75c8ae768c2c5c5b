import type { CheckResult, NotGraded } from "../checks/check";
import type { SubmissionSummary } from "../jest/check-records";
import type { GraderErrorKind, ReferenceFacts } from "../grading/submission-facts";
import type { EngineSummary } from "../jest/run-config";
import type { SkippedEntry } from "../submission/discover";

export interface SubmissionGrade {
  id: string;
  score: number;
  maxScore: number;
  imageBytes?: number;
  architecture?: string;
  os?: string;
  /** The submission's Dockerfile, relative to where grading ran, when it is under it. */
  dockerfile?: string;
  /** Which builder built the image ("classic" or "buildkit"); absent when nothing was built. */
  builder?: string;
  /** Set when the grader (not the submission) failed; the checks say "grader error". */
  graderError?: string;
  /** "disk-floor": not graded because the engine's disk was under the lab's floor; `--resume` grades it. */
  graderErrorKind?: GraderErrorKind;
  /**
   * Set when some checks were not graded (see NotGraded): their ids, the points they hold — counted in neither
   * `score` nor `maxScore` — and, when the engine was the cause, what would grade them.
   */
  notGraded?: { checks: string[]; points: number; cause: NotGraded["cause"]; needs?: string };
  /** Where the time went: build, run (start + probe), inspect, total. */
  timingsMs?: Record<string, number>;
  checks: CheckResult[];
}

/** The contract of results.json. */
export interface GradesDocument {
  lab: { id: string; title: string; file: string };
  runId: string;
  /** When the run started (absent in documents written before lab-grader recorded it). */
  startedAt?: string;
  gradedAt: string;
  engine: EngineSummary;
  reference: ReferenceFacts;
  submissions: SubmissionGrade[];
  /** Entries of the submissions directory that were not graded, with why. */
  skipped: SkippedEntry[];
  /** The grader's own figures for the run. */
  /** reportMs: time spent writing the other outputs (results.json is written last). */
  grader: { version: string; peakRssBytes: number; reportMs?: number };
}

/** A submission's grade from its checks and the facts summary recorded while grading it. */
export function submissionGrade(id: string, checks: CheckResult[], summary: SubmissionSummary | undefined, graderError?: string): SubmissionGrade {
  const error = summary?.graderError ?? graderError;
  const graded = checks.filter((c) => !c.notGraded);
  const notGraded = checks.filter((c) => c.notGraded);
  const cause = notGraded.some((c) => c.notGraded!.cause === "grader") ? "grader" : "engine";
  const needs = notGraded.find((c) => c.notGraded!.needs)?.notGraded!.needs;
  return {
    id,
    score: graded.reduce((sum, c) => sum + c.points, 0),
    maxScore: graded.reduce((sum, c) => sum + c.maxPoints, 0),
    ...(notGraded.length
      ? {
          notGraded: {
            checks: notGraded.map((c) => c.id),
            points: notGraded.reduce((sum, c) => sum + c.maxPoints, 0),
            cause,
            ...(needs ? { needs } : {}),
          },
        }
      : {}),
    imageBytes: summary?.imageBytes,
    architecture: summary?.architecture,
    os: summary?.os,
    builder: summary?.imageBytes !== undefined ? summary.builder : undefined,
    ...(summary?.dockerfile ? { dockerfile: summary.dockerfile } : {}),
    ...(error ? { graderError: error } : {}),
    ...(summary?.graderErrorKind ? { graderErrorKind: summary.graderErrorKind } : {}),
    ...(summary ? { timingsMs: summary.timingsMs } : {}),
    checks,
  };
}

/** What a student reads for a check: its message, and the lab's hint when it failed. */
export function checkFeedback(check: CheckResult): string {
  return !check.passed && check.hint ? `${check.message}\n\nHint: ${check.hint}` : check.message;
}

/** "the engine" or "a grader error": why a check was not graded, in a few words. */
export function notGradedCause(notGraded: NotGraded): string {
  return notGraded.cause === "engine" ? `this engine cannot${notGraded.needs ? `; needs ${notGraded.needs}` : ""}` : "a grader error";
}

/** One line for a submission with checks not graded: how many points, which checks, and where to grade them. */
export function notGradedSummary(notGraded: NonNullable<SubmissionGrade["notGraded"]>): string {
  const where =
    notGraded.cause === "engine" ? `grade again on ${notGraded.needs ?? "an engine that can build it"}` : "grade again (lab-grader grade --resume)";
  return `not graded: ${notGraded.points} point(s) of ${notGraded.checks.join(", ")}, counted neither way; ${where}`;
}
