import type { LabSpec } from "../lab/lab-spec";
import type { ReferenceFacts, SubmissionFacts } from "../grading/submission-facts";

export interface CheckContext {
  spec: LabSpec;
  reference: ReferenceFacts;
}

export interface CheckOutcome {
  passed: boolean;
  /** Feedback for the student: what was expected, what was found, what to try. */
  message: string;
  /** The Dockerfile line the verdict is about, when there is one (JUnit consumers annotate it). */
  line?: number;
  /** Why it failed: one of its check's `reasons`. */
  reason?: string;
}

/**
 * The hint that goes with a reason for failing: the lab's hint for the check (`lab`), none because the message
 * already says what to do (`none`), or the grader's own advice, which holds in any lab. A lab may still give
 * its own hint for any reason (see hints.ts).
 */
export type ReasonHint = "lab" | "none" | { hint: string };

/** One graded check: an id, default points, the reasons it can fail for, and a pure verdict over a submission's facts. */
export interface Check {
  id: string;
  title: string;
  defaultPoints: number;
  reasons: Record<string, ReasonHint>;
  evaluate(facts: SubmissionFacts, context: CheckContext): CheckOutcome;
}

/** The result shape every check reports, built-in or written by an instructor. */
export interface CheckResult {
  id: string;
  passed: boolean;
  points: number;
  maxPoints: number;
  message: string;
  hint?: string;
  /** See CheckOutcome.line. */
  line?: number;
  /** See CheckOutcome.reason. */
  reason?: string;
}

export const pass = (message: string, line?: number): CheckOutcome => ({ passed: true, message, ...(line ? { line } : {}) });
export const fail = (reason: string, message: string, line?: number): CheckOutcome => ({ passed: false, message, reason, ...(line ? { line } : {}) });

/** The standard failure for checks that need an image; image-builds says why there is none (and gives the hint). */
export const NOT_BUILT: CheckOutcome = { passed: false, reason: "not-built", message: "not run: the image did not build (see image-builds)" };

/** Quotes untrusted text for a message: one line, control characters shown, truncated. */
export function quote(text: string, max = 200): string {
  const visible = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  const cut = visible.length > max ? `${visible.slice(0, max)}…` : visible;
  return JSON.stringify(cut);
}

/** The last `n` lines of a log, trimmed, at most `maxChars`. */
export function lastLines(log: string, n = 15, maxChars = 2000): string {
  const lines = log.replace(/\s+$/, "").split("\n").slice(-n).join("\n");
  return lines.length > maxChars ? `…${lines.slice(-maxChars)}` : lines;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
