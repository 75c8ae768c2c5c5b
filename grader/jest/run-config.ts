import { readFileSync, writeFileSync } from "node:fs";
import type { RunNetwork } from "../engine/run-container";
import type { ReferenceFacts } from "../grading/submission-facts";
import type { BuilderPlan } from "../grading/choose-builder";
import type { DiskGuardFigures } from "../grading/disk-floor";
import type { ContainerQuota } from "../engine/disk-quota";
import type { SubmissionGrade } from "../report/grades";
import type { SkippedEntry, Submission } from "../submission/discover";
import type { LabSpec } from "../lab/lab-spec";

export const RUN_CONFIG_ENV = "LAB_GRADER_RUN";

export interface EngineSummary {
  location: string;
  /** "Docker Engine 28.5.2", as doctor names it. */
  product: string;
  /** Where the engine keeps images, e.g. "overlay2 graphdriver" or "containerd snapshotter (overlayfs)". */
  imageStore: string;
  version: string;
  apiVersion: string;
  os: string;
  architecture: string;
  /** Set when BuildKit builds in this run with its RUN steps not held to the lab's build limits: what and why. */
  buildLimits?: string;
  /** How a container's disk is held to its budget: the engine's quota (and which), or the watchdog alone. */
  containerDiskQuota?: string;
  /** What the run's disk guard saw, where it read the engine's free space (see grading/disk-floor.ts). */
  diskGuard?: DiskGuardFigures & { allowanceBytes: number };
}

/** What `lab-grader grade` hands the Jest run: everything a spec file needs, nothing it must compute twice. */
export interface GradingRunConfig {
  runId: string;
  labFile: string;
  /** The lab spec as \`grade\` loaded it: the Jest side reads it from here, not from the YAML again. */
  spec: LabSpec;
  outDir: string;
  /** Where each check's record is written as it finishes. */
  recordsDir: string;
  /** The submissions this run grades. */
  submissions: Submission[];
  /** Earlier grades reused as they are (--resume, --only), reported with the fresh ones. */
  reused: SubmissionGrade[];
  skipped: SkippedEntry[];
  concurrency: number;
  buildTimeoutSeconds: number;
  probeTimeoutSeconds: number;
  keepImages: boolean;
  /** Where submissions' containers run and how they are probed. */
  network: RunNetwork;
  reference: ReferenceFacts;
  engine: EngineSummary;
  builders: BuilderPlan;
  /** Whether the engine caps containers' disk itself. */
  containerQuota: ContainerQuota;
  /** Paths on the engine's storage to read its free space from (see engine-storage.ts); absent when it cannot be read. */
  engineDisk?: string[];
  /** Names the note of what the grader keeps of this engine's BuildKit cache (see engine/kept-build-cache.ts). */
  keptCacheId?: string;
  startedAt: string;
  /** Whether the class table is printed on stdout. */
  printTable: boolean;
  /** Whether grades.csv starts with a UTF-8 byte order mark (--csv-bom). */
  csvBom?: boolean;
}

export function writeRunConfig(file: string, config: GradingRunConfig): void {
  writeFileSync(file, JSON.stringify(config, null, 2));
}

export function readRunConfig(file = process.env[RUN_CONFIG_ENV]): GradingRunConfig {
  if (!file) {
    throw new Error(`${RUN_CONFIG_ENV} is not set: lab spec files are run by \`lab-grader grade\` or \`lab-grader check\`, not by Jest directly`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as GradingRunConfig;
}
