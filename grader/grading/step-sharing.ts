import { createHash } from "node:crypto";
import type { LabSpec } from "../lab/lab-spec";

/**
 * The names BuildKit's steps are keyed by (see engine/buildkit-disk.ts, buildHostEntry): two builds share a step
 * only under the same name.
 */

/**
 * A lab's builds share their steps with each other, with the reference and with later runs on the engine — but
 * only under the limits a step ran under: a step that built within one lab's memory, pids, disk budget or build
 * timeout is built again, not reused, by a lab (or a `--build-timeout`) that allows less.
 */
export function sharedStepsScope(spec: LabSpec, buildTimeoutSeconds: number): string {
  const { buildMemoryMb, buildCpus, pids, diskBudgetMb } = spec.sandbox;
  const limits = JSON.stringify({ buildMemoryMb, buildCpus, pids, diskBudgetMb, buildTimeoutSeconds });
  return `s${hash(limits).slice(0, 12)}`;
}

/** A submission whose steps no other build may reuse, nor reuse another's: one with cache mounts of its own. */
export function privateStepsScope(runId: string, submissionId: string): string {
  return hash(`${runId}\0${submissionId}`).slice(0, 16);
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
