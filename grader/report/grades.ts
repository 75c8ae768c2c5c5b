import type { CheckResult } from "../checks/check";
import type { ReferenceFacts } from "../grading/submission-facts";
import type { EngineSummary } from "../jest/run-config";
import type { SkippedEntry } from "../submission/discover";

export interface SubmissionGrade {
  id: string;
  score: number;
  maxScore: number;
  imageBytes?: number;
  architecture?: string;
  os?: string;
  /** Which builder built the image ("classic"); absent when nothing was built. */
  builder?: string;
  /** Set when the grader (not the submission) failed; the checks say "grader error". */
  graderError?: string;
  checks: CheckResult[];
}

/** The contract of results.json. */
export interface GradesDocument {
  lab: { id: string; title: string; file: string };
  runId: string;
  gradedAt: string;
  engine: EngineSummary;
  reference: ReferenceFacts;
  submissions: SubmissionGrade[];
  /** Entries of the submissions directory that were not graded, with why. */
  skipped: SkippedEntry[];
  /** The grader's own figures for the run. */
  grader: { version: string; peakRssBytes: number };
}
