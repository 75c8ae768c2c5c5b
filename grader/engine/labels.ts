import { createHash } from "node:crypto";
import { hostname } from "node:os";

/** Labels on every container, network and image a grading run creates, so that nothing is left unaccounted. */
export const LABELS = {
  run: "org.lab-grader.run",
  submission: "org.lab-grader.submission",
  /** `<host>:<pid>` of the grader that made it: a sweep removes what dead graders on this host left. */
  owner: "org.lab-grader.owner",
} as const;

export function ownerLabel(): string {
  return `${hostname()}:${process.pid}`;
}

export function runLabels(runId: string): Record<string, string> {
  return { [LABELS.run]: runId, [LABELS.owner]: ownerLabel() };
}

export function submissionLabels(runId: string, submissionId: string): Record<string, string> {
  return { ...runLabels(runId), [LABELS.submission]: createHash("sha256").update(submissionId).digest("hex").slice(0, 16) };
}
