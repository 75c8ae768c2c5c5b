import type { LabSpec } from "../lab/lab-spec";
import type { Check, CheckOutcome } from "./check";

/**
 * The hint a student sees under a failed check, for the reason it failed — none for a grader error, which nothing
 * the student does would change:
 * 1. the lab's own hint for that reason (`hints: {<check>: {<reason>: …}}`);
 * 2. else what the check declares for the reason: its own advice, none (the message already says what to do),
 *    or the lab's general hint for the check (`hints: {<check>: "…"}` or its `default`).
 * A check without declared reasons (an instructor's own) gets the lab's general hint.
 */
export function hintFor(spec: LabSpec, id: string, check: Check | undefined, outcome: CheckOutcome): string | undefined {
  if (outcome.passed || outcome.notGraded) return undefined;
  const lab = spec.hints[id];
  const labHints = typeof lab === "string" ? { default: lab } : (lab ?? {});
  if (outcome.reason && labHints[outcome.reason]) return labHints[outcome.reason];
  const declared = outcome.reason ? check?.reasons[outcome.reason] : undefined;
  if (declared === "none") return undefined;
  if (declared && declared !== "lab") return declared.hint;
  return labHints.default;
}

/** Reasons the lab gives hints for that the check never fails with: almost always a typo. */
export function unknownHintReasons(spec: LabSpec, check: Check): string[] {
  const lab = spec.hints[check.id];
  if (!lab || typeof lab === "string") return [];
  return Object.keys(lab).filter((reason) => reason !== "default" && !(reason in check.reasons));
}
