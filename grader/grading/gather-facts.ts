import { createHash } from "node:crypto";
import type { Engine } from "../engine/client";
import { buildImage } from "../engine/build";
import { runAndProbe, type RunNetwork } from "../engine/run-container";
import { normalizeImage, policyViolations } from "../dockerfile/policy";
import { finalBaseImage } from "../dockerfile/rebase";
import type { DockerfileFacts } from "../dockerfile/analyze";
import { referenceBaseImage, sameBaseReference } from "./reference";
import { analyzeDockerfile } from "../dockerfile/analyze";
import { inspectVenv } from "../inspect/venv";
import type { LabSpec } from "../lab/lab-spec";
import { prepareBuildContext } from "../submission/context";
import type { Submission } from "../submission/discover";
import { readSubmissionDockerfile, type DockerfileRead } from "../submission/read-dockerfile";
import type { BuildFacts, ImageFacts, ReferenceFacts, SubmissionFacts } from "./submission-facts";

export interface GatherOptions {
  runId: string;
  buildTimeoutSeconds: number;
  runTimeoutSeconds: number;
  keepImages: boolean;
  network: RunNetwork;
  /** Labels on everything the grading of this submission creates (see engine/labels.ts). */
  labels: Record<string, string>;
}

/** A unique, valid image reference for a submission in a run (ids may hold any Unicode). */
export function submissionImageTag(spec: LabSpec, submissionId: string, runId: string): string {
  const hash = createHash("sha256").update(submissionId).digest("hex").slice(0, 12);
  const readable = submissionId.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "submission";
  return `lab-grader/${spec.id}-${readable}-${hash}:${runId}`;
}

export function notBuilt(reason: string, extra: Partial<BuildFacts> = {}): BuildFacts {
  return {
    attempted: false,
    notAttemptedReason: reason,
    builder: "classic",
    ok: false,
    log: "",
    timedOut: false,
    timeoutSeconds: 0,
    durationMs: 0,
    steps: [],
    blockingFeatures: [],
    notes: [],
    ...extra,
  };
}

/**
 * Builds, runs, probes and inspects one submission, once. Student mistakes become facts (a failed build, an
 * exited container); only faults of the grader or the engine throw.
 */
export async function gatherSubmissionFacts(engine: Engine, spec: LabSpec, submission: Submission, options: GatherOptions): Promise<SubmissionFacts> {
  const timingsMs: Record<string, number> = {};
  const read: DockerfileRead = submission.problem
    ? { ok: false, problem: "unreadable", message: submission.problem }
    : await readSubmissionDockerfile(submission.dir);
  if (!read.ok) return { id: submission.id, dockerfile: { read }, build: notBuilt(read.message), timingsMs };
  const analysis = analyzeDockerfile(read.text);
  const facts: SubmissionFacts = { id: submission.id, dockerfile: { read, analysis }, build: notBuilt(""), timingsMs };

  const violations = policyViolations(analysis, spec.baseImages, spec.sandbox);
  if (violations.length) {
    facts.build = notBuilt(`the Dockerfile does what this lab does not allow: ${violations.join("; ")}`);
    return facts;
  }
  const blocking = analysis.buildkitFeatures.filter((f) => f.blocking);
  if (blocking.length) {
    facts.build = notBuilt(buildkitMessage(blocking), { blockingFeatures: blocking });
    return facts;
  }
  const context = await prepareBuildContext(submission.dir);
  if (!context.ok) {
    facts.build = notBuilt(context.message);
    return facts;
  }
  const labels = options.labels;
  const tag = submissionImageTag(spec, submission.id, options.runId);
  const build = await buildImage(engine.docker, {
    context: context.tar(),
    tags: [tag],
    labels,
    timeoutMs: options.buildTimeoutSeconds * 1000,
    limits: { memoryBytes: spec.sandbox.buildMemoryMb * 1024 ** 2, cpus: spec.sandbox.buildCpus },
  });
  timingsMs.build = build.durationMs;
  const notes = analysis.syntaxDirective
    ? [`the "# syntax=${analysis.syntaxDirective}" line was ignored: the grader builds with Docker's classic builder`]
    : [];
  facts.build = { ...build, attempted: true, builder: "classic", timeoutSeconds: options.buildTimeoutSeconds, blockingFeatures: [], notes };
  if (!build.ok || !build.imageId) return facts;

  try {
    const inspected = await engine.docker.getImage(build.imageId).inspect();
    const image: ImageFacts = {
      id: inspected.Id,
      tag,
      bytes: inspected.Size,
      os: inspected.Os,
      architecture: inspected.Architecture,
      env: inspected.Config?.Env ?? [],
      exposedPorts: Object.keys(inspected.Config?.ExposedPorts ?? {}),
    };
    facts.image = image;
    const started = Date.now();
    const [run, venv] = await Promise.all([
      runAndProbe(engine, {
        image: tag,
        port: spec.app.port,
        path: spec.app.path,
        labels,
        startSeconds: spec.timeouts.startSeconds,
        probeSeconds: options.runTimeoutSeconds,
        limits: { memoryBytes: spec.sandbox.memoryMb * 1024 ** 2, cpus: spec.sandbox.cpus, pids: spec.sandbox.pids },
        network: options.network,
      }).finally(() => (timingsMs.run = Date.now() - started)),
      inspectVenv(engine.docker, image.id, analysis, build.steps, image.env, labels).finally(() => (timingsMs.inspect = Date.now() - started)),
    ]);
    facts.run = run;
    facts.venv = venv;
    facts.sizeReference = await sizeReferenceFor(engine, spec, analysis, options.buildTimeoutSeconds);
  } finally {
    if (!options.keepImages) await engine.docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  }
  return facts;
}

/** With `size.reference: same-base` and a base other than the reference's: the reference rebuilt on it. */
async function sizeReferenceFor(engine: Engine, spec: LabSpec, analysis: DockerfileFacts, buildTimeoutSeconds: number): Promise<ReferenceFacts | undefined> {
  if (spec.size.reference !== "same-base") return undefined;
  const base = finalBaseImage(analysis);
  const labBase = referenceBaseImage(spec);
  if (!base || !labBase || normalizeImage(base) === normalizeImage(labBase)) return undefined;
  return sameBaseReference(engine, spec, base, buildTimeoutSeconds);
}

function buildkitMessage(features: { line: number; feature: string }[]): string {
  const list = features.map((f) => `${f.feature} (line ${f.line})`).join(", ");
  return (
    `the Dockerfile uses BuildKit-only syntax: ${list}. Docker Desktop builds with BuildKit, so it may have built ` +
    `for you, but the grader builds with Docker's classic builder, which cannot build it. Rewrite those lines ` +
    `without it (for example one RUN with && instead of a heredoc, no --mount/--link flags) — the lab needs none of it`
  );
}
