import type { CheckResult } from "../checks/check";
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
  return {
    id,
    score: checks.reduce((sum, c) => sum + c.points, 0),
    maxScore: checks.reduce((sum, c) => sum + c.maxPoints, 0),
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
