import type { BuildStep, Builder } from "../engine/build";
import type { RunFacts } from "../engine/run-container";
import type { CommandResult } from "../engine/command-in-image";
import type { DockerfileFacts } from "../dockerfile/analyze";
import type { BuildkitFeature } from "../dockerfile/buildkit-features";
import type { VenvFacts } from "../inspect/venv";
import type { PathStat } from "../inspect/image-files";
import type { PathProvenance } from "../inspect/path-provenance";
import type { CountedCopy } from "../inspect/image-size";
import type { DockerfileRead } from "../submission/read-dockerfile";
import type { DiskBudgetExceeded } from "../engine/disk-watch";

/**
 * The Dockerfile is missing or unreadable; it does what the lab forbids; it needs what this engine or run cannot
 * give (BuildKit, a newer frontend: not graded); its build context is refused; the grader failed first.
 */
export type NotBuiltKind = "dockerfile" | "policy" | "engine" | "context" | "grader";

export interface BuildFacts {
  attempted: boolean;
  /** Why no build was attempted (no Dockerfile, BuildKit-only syntax, oversized context, …). */
  notAttemptedReason?: string;
  /** What stood in the way of that build, for the hint that goes with it. */
  notAttemptedKind?: NotBuiltKind;
  /** With kind `engine`: what would build it, e.g. "Docker Engine 23.0 or later". */
  engineNeeds?: string;
  builder: Builder;
  ok: boolean;
  error?: string;
  /** The step the build stopped at, as the engine echoed it. */
  lastStep?: string;
  /** BuildKit: the failed step's own last output lines. */
  failedStepOutput?: string;
  log: string;
  timedOut: boolean;
  /** Set when the build was stopped for writing past the lab's disk budget. */
  diskBudgetExceeded?: DiskBudgetExceeded;
  /** The build timeout in force for this run. */
  timeoutSeconds: number;
  durationMs: number;
  /** The RUN, COPY and ADD steps the engine took from its cache (built before from the same parent, command and files). */
  reusedSteps?: number;
  steps: BuildStep[];
  blockingFeatures: BuildkitFeature[];
  /** Notes on how the Dockerfile was built (e.g. an ignored or replaced # syntax line). */
  notes: string[];
}

export interface ImageFacts {
  id: string;
  tag: string;
  /** The image's size as the size check compares it (see grader/inspect/image-size.ts). */
  bytes: number;
  /** COPY --from steps counted for more than the store kept of them (the containerd store). */
  countedCopies: CountedCopy[];
  os: string;
  architecture: string;
  env: string[];
  exposedPorts: string[];
  /** The image's USER ("" when it sets none). */
  user: string;
}

/** The file the image runs: its ENTRYPOINT's (else CMD's) executable, resolved against WORKDIR and PATH. */
export interface EntrypointFacts {
  path?: string;
  /** Why there is none (no ENTRYPOINT or CMD, or not found on PATH). */
  problem?: string;
}

/** Everything the checks need to know about one submission, gathered once. */
export interface SubmissionFacts {
  id: string;
  dockerfile: { read: DockerfileRead; analysis?: DockerfileFacts };
  build: BuildFacts;
  image?: ImageFacts;
  run?: RunFacts;
  venv?: VenvFacts;
  /** The paths the lab's checks asked about (`entrypoint` included, resolved): what the final image has there, or null. */
  paths?: Record<string, PathStat | null>;
  entrypoint?: EntrypointFacts;
  /** For the paths the lab's checks asked to trace: the step that brought each into the final image. */
  provenance?: Record<string, PathProvenance>;
  /** The commands the lab's checks run in the image, by commandKey. */
  commands?: Record<string, CommandResult>;
  /** With `size.reference: same-base`, the reference rebuilt on this submission's base image. */
  sizeReference?: ReferenceFacts;
  /** A fault of the grader (not of the submission); every check then says so instead of judging. */
  graderError?: string;
  /** "disk-floor": not graded because the engine's disk was under the lab's floor (the run exits 3). */
  graderErrorKind?: GraderErrorKind;
  timingsMs: Record<string, number>;
}

/** Sizes the size check compares with, built on the same engine in the same run. */
export interface ReferenceFacts {
  referenceBytes: number;
  baselineBytes: number;
  thresholdBytes: number;
  /** How the threshold was derived, for messages. */
  thresholdRule: string;
  /** Architecture of the reference image, e.g. "amd64". */
  architecture?: string;
  /** Both images were found by their content key (built by an earlier run), not built now. */
  reusedImages?: boolean;
}

/** Grader errors that are a condition of the engine rather than a fault: the run says what to do and exits 3. */
export type GraderErrorKind = "disk-floor";
