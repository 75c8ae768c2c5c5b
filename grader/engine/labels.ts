import { createHash } from "node:crypto";
import { hostname } from "node:os";

/** Labels on every container, network and image a grading run creates, so that nothing is left unaccounted. */
export const LABELS = {
  run: "org.lab-grader.run",
  submission: "org.lab-grader.submission",
  /** `<host>:<pid>` of the grader that made it: a sweep removes what dead graders on this host left. */
  owner: "org.lab-grader.owner",
  /** On a container that runs one command of a check (its own value, so that container alone can be found). */
  command: "org.lab-grader.command",
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

/**
 * The labels a submission's image gets: just the owner, which the sweep of dead runs needs; its tag already
 * names the submission and the run. The classic builder adds one LABEL step per label, each about 0.1 s.
 */
export function imageLabels(labels: Record<string, string>): Record<string, string> {
  return { [LABELS.owner]: labels[LABELS.owner] };
}
