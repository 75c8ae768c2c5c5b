import type { LabSpec } from "../lab/lab-spec";
import type { HttpRequest } from "../probe/http";
import { replaceControls } from "../report/sanitize";
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
  /** Set when the check could not be graded, for a cause that is not the student's: no points either way. */
  notGraded?: NotGraded;
}

/**
 * Why a check was not graded. `engine`: the engine grading it cannot build what the check needs (a Dockerfile
 * feature newer than its frontend, BuildKit it does not have), and `needs` says what can; `grader`: the grader
 * failed. Either way the submission is to be graded again, where that cause is gone.
 */
export interface NotGraded {
  cause: "engine" | "grader";
  needs?: string;
}

/**
 * The hint that goes with a reason for failing: the lab's hint for the check (`lab`), none because the message
 * already says what to do (`none`), or the grader's own advice, which holds in any lab. A lab may still give
 * its own hint for any reason (see hints.ts).
 */
export type ReasonHint = "lab" | "none" | { hint: string };

/**
 * What a check needs gathered about a submission besides its Dockerfile, build and image config (facts on
 * demand: the grader runs the container, reads files or traces them only when a check of the lab needs it).
 */
export interface FactNeeds {
  /** Start the container and watch it for `timeouts.startSeconds`. */
  run?: boolean;
  /** Send this request to `app.port` once the container has started (implies `run`). */
  probe?: ProbeRequest;
  /** Look for a Python virtualenv in the final image and trace where it came from. */
  venv?: boolean;
  /** Paths to look up in the final image (`entrypoint`: the file the image runs). */
  paths?: string[];
  /** Paths to trace to the Dockerfile step that brought them in (`entrypoint` as above). */
  provenance?: string[];
  /** Commands to run in throwaway containers of the image, one after another, once the run is over. */
  commands?: CommandNeed[];
}

export interface CommandNeed {
  command: string[];
  timeoutSeconds: number;
}

/** How a command's result is found in `SubmissionFacts.commands`. */
export const commandKey = (command: string[]): string => JSON.stringify(command);

export interface ProbeRequest extends HttpRequest {
  path: string;
}

/** One graded check of a lab: an id, its points, the reasons it can fail for, and a pure verdict over facts. */
export interface Check {
  id: string;
  /** Its kind in the lab's YAML (absent for an instructor's own). */
  kind?: string;
  title: string;
  points: number;
  reasons: Record<string, ReasonHint>;
  needs: FactNeeds;
  evaluate(facts: SubmissionFacts, context: CheckContext): CheckOutcome;
}

/**
 * A kind of check, parameterised in the lab's YAML (`checks: [{id, kind, points, …params}]`): the params it
 * takes are described in specs/lab-spec.schema.json; each kind is one file in this folder.
 */
export interface CheckKind<Params = Record<string, never>> {
  kind: string;
  reasons: Record<string, ReasonHint>;
  /** The default title: what passing means. */
  title(params: Params, spec: LabSpec): string;
  needs(params: Params, spec: LabSpec): FactNeeds;
  evaluate(facts: SubmissionFacts, params: Params, context: CheckContext): CheckOutcome;
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
  /** See Check.kind. */
  kind?: string;
  /** See CheckOutcome.notGraded: `passed` is false and `points` 0, and neither counts in the submission's score. */
  notGraded?: NotGraded;
}

export const pass = (message: string, line?: number): CheckOutcome => ({ passed: true, message, ...(line ? { line } : {}) });
export const fail = (reason: string, message: string, line?: number): CheckOutcome => ({ passed: false, message, reason, ...(line ? { line } : {}) });

/**
 * A check the grader failed on (no facts, a crash before deciding): reason `grader-error`, which gets no hint —
 * nothing the student could change — and which reports show as not the student's fault.
 */
export const GRADER_ERROR_REASON = "grader-error";
export const graderErrorOutcome = (detail: string): CheckOutcome => ({
  passed: false,
  reason: GRADER_ERROR_REASON,
  message: `grader error: ${detail}`,
  notGraded: { cause: "grader" },
});

/** A check the engine cannot grade (see NotGraded): reason `engine-cannot`, no hint — the message says what can. */
export const ENGINE_CANNOT_REASON = "engine-cannot";
export const engineCannotOutcome = (detail: string, needs?: string): CheckOutcome => ({
  passed: false,
  reason: ENGINE_CANNOT_REASON,
  message: `not graded: ${detail}`,
  notGraded: { cause: "engine", ...(needs ? { needs } : {}) },
});

/** The standard failure for checks that need an image; image-builds says why there is none (and gives the hint). */
export const NOT_BUILT: CheckOutcome = { passed: false, reason: "not-built", message: "not run: the image did not build (see image-builds)" };

/** Quotes untrusted text for a message: one line, control characters shown, truncated. */
export function quote(text: string, max = 200): string {
  // Tabs and newlines too are shown escaped, by JSON.stringify.
  const visible = replaceControls(text, "\t\n", (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
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
