import { createHash } from "node:crypto";
import type { Engine } from "../engine/client";
import { buildImage, type BuildResult, type Builder } from "../engine/build";
import { Semaphore } from "../common/semaphore";
import { withWatchdog } from "../common/watchdog";
import { LABELS, imageLabels } from "../engine/labels";
import { runAndProbe, type RunFacts, type RunNetwork, type RunRequest, type SandboxedRequest } from "../engine/run-container";
import { LoadGate } from "../common/load-gate";
import { normalizeImage, policyViolations } from "../dockerfile/policy";
import { finalBaseImage } from "../dockerfile/rebase";
import { privateStepsScope, sharedStepsScope } from "./step-sharing";
import { scopeCacheMounts, type ScopedDockerfile } from "../dockerfile/cache-mounts";
import type { DockerfileFacts } from "../dockerfile/analyze";
import { referenceBaseImage, sameBaseReference } from "./reference";
import { analyzeDockerfile } from "../dockerfile/analyze";
import { inspectVenv } from "../inspect/venv";
import { withImageFiles, type ImageFiles, type PathStat } from "../inspect/image-files";
import { pathProvenance, type BuildSources, type PathProvenance } from "../inspect/path-provenance";
import { resolveEntrypoint } from "../inspect/entrypoint";
import { commandKey, type CommandNeed, type FactNeeds } from "../checks/check";
import { runInImage, type CommandResult } from "../engine/command-in-image";
import { copySourceImage, measureImageSize } from "../inspect/image-size";
import { buildNetworkMode, type LabSpec } from "../lab/lab-spec";
import { prepareBuildContext } from "../submission/context";
import type { Submission } from "../submission/discover";
import { readSubmissionDockerfile, type DockerfileRead } from "../submission/read-dockerfile";
import { baseImageIds, submissionImages, type RunImages } from "./run-images";
import type { BuildFacts, NotBuiltKind, ReferenceFacts, SubmissionFacts } from "./submission-facts";
import { chooseBuilder, defaultBuilder, type BuilderPlan } from "./choose-builder";
import { DiskFloorError, type DiskFloor, type FloorTicket } from "./disk-floor";
import { storageSize, type ContainerQuota } from "../engine/disk-quota";
import type Dockerode from "dockerode";

/** How many submissions may be in each phase at once, and whether a phase ran beside others. */
export interface PhaseSlots {
  build: Semaphore;
  run: Semaphore;
  /** Builds and run phases go through it shared; a run phase graded again alone, exclusive. */
  load: LoadGate;
}

/**
 * `--concurrency N` is the number of CPUs grading keeps busy. Builds are the CPU-heavy phase, but a build does
 * not keep its CPU busy all the time (the classic builder creates a container and commits a layer for every step;
 * BuildKit loads the context and exports the image), and with exactly N builds at once the last round of a class
 * leaves CPUs idle (3 builds on 2 CPUs take two rounds). So N + 1 builds run at once and the kernel shares the
 * N CPUs among them — the `make -j N+1` rule; each build's RUN steps stay capped at `sandbox.buildCpus`.
 * Running, probing and inspecting mostly wait (the container must still run after `startSeconds`), so 3 × N of
 * them overlap the builds.
 */
export function phaseSlots(concurrency: number): PhaseSlots {
  return { build: new Semaphore(concurrency + 1), run: new Semaphore(concurrency * 3), load: new LoadGate() };
}

export interface GatherOptions {
  runId: string;
  buildTimeoutSeconds: number;
  probeTimeoutSeconds: number;
  keepImages: boolean;
  network: RunNetwork;
  /** Labels on everything the grading of this submission creates (see engine/labels.ts). */
  labels: Record<string, string>;
  slots: PhaseSlots;
  /** Time allowed above each phase's own timeouts before the watchdog kills what is left. */
  watchdogExtraMs: number;
  /** Removes each submission's images when its grading ends (unless keepImages). */
  images: RunImages;
  /** Which builders this run may use (see choose-builder.ts). */
  builders: BuilderPlan;
  /** Keeps the engine's free space above the lab's floor; every build and run phase asks it first. */
  floor: DiskFloor;
  /** Whether the engine caps containers' disk itself (see disk-quota.ts). */
  containerQuota: ContainerQuota;
}

/** A unique, valid image reference for a submission in a run (ids may hold any Unicode). */
export function submissionImageTag(spec: LabSpec, submissionId: string, runId: string): string {
  const hash = createHash("sha256").update(submissionId).digest("hex").slice(0, 12);
  const readable =
    submissionId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "submission";
  return `lab-grader/${spec.id}-${readable}-${hash}:${runId}`;
}

export function notBuilt(kind: NotBuiltKind, reason: string, extra: Partial<BuildFacts> = {}): BuildFacts {
  return {
    attempted: false,
    notAttemptedReason: reason,
    notAttemptedKind: kind,
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
export async function gatherSubmissionFacts(
  engine: Engine,
  spec: LabSpec,
  submission: Submission,
  needs: FactNeeds,
  options: GatherOptions,
): Promise<SubmissionFacts> {
  const timingsMs: Record<string, number> = {};
  const read: DockerfileRead = submission.problem
    ? { ok: false, problem: "unreadable", message: submission.problem }
    : await readSubmissionDockerfile(submission.dir);
  if (!read.ok) return { id: submission.id, dockerfile: { read }, build: notBuilt("dockerfile", read.message), timingsMs };
  const analysis = analyzeDockerfile(read.text);
  const dockerfile = { read, analysis };
  const notBuiltFacts = (build: BuildFacts): SubmissionFacts => ({ id: submission.id, dockerfile, build, timingsMs });

  const violations = policyViolations(analysis, spec.baseImages, spec.sandbox);
  if (violations.length) return notBuiltFacts(notBuilt("policy", `the Dockerfile does what this lab does not allow: ${violations.join("; ")}`));
  const choice = chooseBuilder(options.builders, analysis);
  if (!choice.ok)
    return notBuiltFacts(
      notBuilt(choice.refused ? "policy" : "engine", choice.reason, {
        blockingFeatures: choice.blocking,
        ...(choice.engineNeeds ? { engineNeeds: choice.engineNeeds } : {}),
      }),
    );
  const context = await prepareBuildContext(submission.dir);
  if (!context.ok) return notBuiltFacts(notBuilt("context", context.message));
  const labels = options.labels;
  const tag = submissionImageTag(spec, submission.id, options.runId);
  const bases = await baseImageIds(engine.docker, analysis);
  // Set when the engine's disk fell under its floor during a phase: the submission is then left ungraded.
  let interrupted: string | undefined;
  // Cache mounts of its own: no other submission reads or plants files there, nor reuses a step that used them
  const cacheScope = privateStepsScope(options.runId, submission.id);
  const scoped = choice.builder === "buildkit" ? scopeCacheMounts(read.text, cacheScope) : undefined;
  let crowded = false;
  const buildOnce = (builder: Builder = choice.builder, alone = false): Promise<BuildResult> =>
    queued(options.slots.build, timingsMs, () =>
      withFloor(
        options.floor,
        async (ticket) => {
          const tracker = await options.images.startBuild(bases);
          const load = options.slots.load;
          const run = (ranBesideOthers?: () => boolean) =>
            guarded(
              engine,
              tag,
              options,
              options.buildTimeoutSeconds * 1000,
              buildImage(engine.docker, {
                builder,
                context: context.tar({
                  blankDockerfileLines: choice.blankLines,
                  ...(scoped ? { editDockerfile: (text: string) => scopeCacheMounts(text, cacheScope)?.text } : {}),
                }),
                tags: [tag],
                labels: imageLabels(labels),
                timeoutMs: options.buildTimeoutSeconds * 1000,
                limits: { memoryBytes: spec.sandbox.buildMemoryMb * 1024 ** 2, cpus: spec.sandbox.buildCpus },
                networkMode: buildNetworkMode(spec.sandbox),
                diskBudgetBytes: spec.sandbox.diskBudgetMb * 1024 ** 2,
                diskGuard: ticket,
                buildkitSteps:
                  builder === "buildkit" && options.builders.buildkit.usable && options.builders.buildkit.capped
                    ? options.builders.buildkit.steps
                    : undefined,
                stepsScope: scoped ? cacheScope : sharedStepsScope(spec, options.buildTimeoutSeconds),
                onImage: tracker.used,
              }),
            ).then((result) => {
              crowded = ranBesideOthers?.() ?? false;
              return scoped ? unscoped(result, scoped) : result;
            });
          return (alone ? load.exclusive(() => run()) : load.shared(run)).finally(tracker.done);
        },
        (reason) => (interrupted ??= reason),
      ),
    );
  const notes = [...choice.notes];
  let builder = choice.builder;
  let build = await buildOnce();
  if (lostCachedImage(build)) {
    // The cleanup of another submission removed a cached image this build had just found (see RunImages: a
    // window of milliseconds). Built again, that step is simply built instead of reused.
    notes.push(`built twice: a cached image was removed during the first build (${build.error})`);
    if (!options.keepImages) await options.images.release(submissionImages(tag, build.steps, bases));
    build = await buildOnce();
  }
  if (build.stalled) {
    // Seen on Docker 20.10 (docs/buildkit.md, "Stalled builds"): built again, by the classic builder when the
    // Dockerfile needs nothing only BuildKit has, else by BuildKit with nothing else running.
    const classicCan = !analysis.buildkitFeatures.some((f) => f.blocking);
    builder = classicCan ? "classic" : "buildkit";
    notes.push(`built twice, the second time ${classicCan ? "by the classic builder" : "with nothing else running"}: ${build.error}`);
    if (!options.keepImages) await options.images.release(submissionImages(tag, build.steps, bases));
    build = await buildOnce(builder, !classicCan);
    if (build.stalled) {
      if (!options.keepImages) await options.images.release(submissionImages(tag, build.steps, bases));
      throw new Error(
        `${build.error}, twice (the second time with nothing else running): an engine fault, not the Dockerfile's. Grade it again (--resume)`,
      );
    }
  }
  if (crowded && !build.ok && !build.diskBudgetExceeded && !interrupted && mayBeTheNeighbours(build)) {
    // Other submissions' builds ran beside it: it may have been starved (a timeout, the memory of a step), or a
    // step it shared with one of them (the same step, run once for both) was stopped for that one's budget. Built
    // alone, the second decides.
    notes.push(`built twice, the second time with nothing else running: beside other submissions' work, ${build.error ?? "it failed"}`);
    if (!options.keepImages) await options.images.release(submissionImages(tag, build.steps, bases));
    const started = Date.now();
    build = await buildOnce(builder, true);
    timingsMs.rebuiltAlone = Date.now() - started;
  }
  timingsMs.build = build.durationMs;
  const facts: SubmissionFacts = {
    id: submission.id,
    dockerfile,
    build: { ...build, attempted: true, builder, timeoutSeconds: options.buildTimeoutSeconds, blockingFeatures: [], notes },
    timingsMs,
  };
  try {
    if (interrupted) throw new DiskFloorError(interrupted);
    if (!build.ok || !build.imageId) return facts;
    const phaseMs = (spec.timeouts.startSeconds + options.probeTimeoutSeconds + commandsSeconds(needs)) * 1000;
    const sources: BuildSources = { dockerfile: analysis, dockerfileLines: read.text.split("\n"), contextEntries: context.entries, labels };
    const inspected = await engine.docker.getImage(build.imageId).inspect();
    const crowded = await queued(options.slots.run, timingsMs, () =>
      withFloor(
        options.floor,
        (ticket) =>
          options.slots.load.shared((ranBesideOthers) =>
            guarded(engine, tag, options, phaseMs, runPhase(engine, spec, needs, sources, build, tag, inspected, facts, options, ticket)).then(
              ranBesideOthers,
            ),
          ),
        (reason) => (interrupted ??= reason),
      ),
    );
    if (interrupted) throw new DiskFloorError(interrupted);
    if (crowded && facts.run && dependsOnLoad(facts.run)) {
      // Nothing answered while other submissions were building and running: it may have been starved of CPU or
      // I/O rather than wrong. Graded again with nothing else running, the second run decides.
      const first = facts.run!;
      const alone = await options.slots.load.exclusive(() =>
        withFloor(
          options.floor,
          (ticket) => {
            const started = Date.now();
            return guarded(engine, tag, options, phaseMs, runAndProbe(engine, runRequest(spec, needs, tag, options, ticket))).finally(
              () => (timingsMs.regradedAlone = Date.now() - started),
            );
          },
          (reason) => (interrupted ??= reason),
        ),
      );
      if (interrupted) throw new DiskFloorError(interrupted);
      facts.run = { ...alone, firstRunUnderLoad: { probe: first.probe, running: first.running } };
    }
  } finally {
    // A failed build leaves the images of the steps that succeeded: they go too.
    if (!options.keepImages) await options.images.release(submissionImages(tag, build.steps, bases));
  }
  return facts;
}

/** What the engine said of a build, with the cache mounts' lines as the student wrote them. */
function unscoped(build: BuildResult, scoped: ScopedDockerfile): BuildResult {
  const back = (said: string | undefined) => (said === undefined ? undefined : scoped.unscope(said));
  return {
    ...build,
    log: scoped.unscope(build.log),
    error: back(build.error),
    lastStep: back(build.lastStep),
    failedStepOutput: back(build.failedStepOutput),
  };
}

/**
 * A failure other submissions' work could have caused: a timeout, or a step killed by a signal (137: the memory
 * limit, or the disk guard stopping a step two builds shared). A step that exits with its own code, a COPY of a
 * missing file or a syntax error is the Dockerfile's alone, and is not built again.
 */
export function mayBeTheNeighbours(build: Pick<BuildResult, "timedOut" | "error">): boolean {
  return build.timedOut || /(?:exit code|non-zero code): (?:129|1[3-9]\d|2[0-5]\d)\b|signal: killed/.test(build.error ?? "");
}

/**
 * A build that failed because an image it had found in the engine's cache was gone when it used it. Students
 * cannot cause this: FROM and COPY --from may only name the lab's base images and earlier stages (policy).
 */
export function lostCachedImage(build: BuildResult): boolean {
  // The classic store says "No such image: sha256:…", "failed to get digest sha256:…" or, committing a step on
  // a cached parent, "unknown parent image ID sha256:…"; the containerd store "unable to find image "sha256:…""
  // or "failed to get destination image "sha256:…"".
  return (
    !build.ok &&
    !build.timedOut &&
    /(No such image: |failed to get digest |unknown parent image ID |unable to find image "|failed to get destination image ")sha256:[0-9a-f]+/.test(
      build.error ?? "",
    )
  );
}

/**
 * Runs one phase with the floor's leave (waiting for it; DiskFloorError when it never comes), and tells
 * `onInterrupted` when the floor stopped the phase's work.
 */
async function withFloor<T>(floor: DiskFloor, work: (ticket: FloorTicket) => Promise<T>, onInterrupted: (reason: string) => void): Promise<T> {
  const ticket = await floor.admit();
  try {
    return await work(ticket);
  } finally {
    ticket.release();
    if (ticket.interrupted) onInterrupted(ticket.interrupted);
  }
}

/** Runs `work` in a slot of `slots`, adding the time spent waiting for it to `timingsMs.queued`. */
function queued<T>(slots: Semaphore, timingsMs: Record<string, number>, work: () => Promise<T>): Promise<T> {
  const asked = Date.now();
  return slots.run(() => {
    timingsMs.queued = (timingsMs.queued ?? 0) + (Date.now() - asked);
    return work();
  });
}

/**
 * A phase of work under the watchdog: past its own timeouts plus the extra time, the submission's containers and
 * image are killed and the phase fails with a grader error (so a hang never holds a slot forever).
 */
function guarded<T>(engine: Engine, tag: string, options: GatherOptions, phaseMs: number, work: Promise<T>): Promise<T> {
  const ms = phaseMs + options.watchdogExtraMs;
  return withWatchdog(
    work,
    ms,
    () => killSubmission(engine, options.labels, tag),
    `watchdog: a grading step of this submission took more than ${Math.round(ms / 1000)} s; its containers were killed`,
  );
}

async function killSubmission(engine: Engine, labels: Record<string, string>, tag: string): Promise<void> {
  const filters = { label: [`${LABELS.submission}=${labels[LABELS.submission]}`, `${LABELS.run}=${labels[LABELS.run]}`] };
  for (const c of await engine.docker.listContainers({ all: true, filters }).catch(() => [])) {
    await engine.docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  await engine.docker
    .getImage(tag)
    .remove({ force: true })
    .catch(() => undefined);
}

/**
 * Image facts, then — as far as the lab's checks need them — the container's run and probe, alongside what is
 * read from the image's files (its size always: every report shows it); fills `facts`.
 */
async function runPhase(
  engine: Engine,
  spec: LabSpec,
  needs: FactNeeds,
  sources: BuildSources,
  build: BuildResult,
  tag: string,
  inspected: Dockerode.ImageInspectInfo,
  facts: SubmissionFacts,
  options: GatherOptions,
  ticket: FloorTicket,
): Promise<void> {
  const labels = options.labels;
  const timingsMs = facts.timingsMs;
  const started = Date.now();
  // The image's files are read from a helper container: created once the app's container has started, so the
  // two creations do not queue on the engine, and done well within the start window.
  let containerStarted!: () => void;
  const whenStarted = new Promise<void>((resolve) => (containerStarted = resolve));
  const running = needs.run
    ? runAndProbe(engine, runRequest(spec, needs, tag, options, ticket, containerStarted)).finally(() => {
        containerStarted(); // in case the run failed before it could say
        timingsMs.run = Date.now() - started;
      })
    : (containerStarted(), Promise.resolve(undefined));
  const [run, inspection] = await Promise.all([
    running,
    whenStarted
      .then(() =>
        withImageFiles(engine.docker, inspected.Id, labels, (files) => inspectImage(engine, inspected, files, sources, build, needs, labels)),
      )
      .finally(() => (timingsMs.inspect = Date.now() - started)),
  ]);
  facts.image = {
    id: inspected.Id,
    tag,
    bytes: inspection.size.bytes,
    countedCopies: inspection.size.countedCopies,
    os: inspected.Os,
    architecture: inspected.Architecture,
    env: inspected.Config?.Env ?? [],
    exposedPorts: Object.keys(inspected.Config?.ExposedPorts ?? {}),
    user: inspected.Config?.User ?? "",
  };
  if (run) facts.run = run;
  if (inspection.venv) facts.venv = inspection.venv;
  if (inspection.paths) facts.paths = inspection.paths;
  if (inspection.entrypoint) facts.entrypoint = inspection.entrypoint;
  if (inspection.provenance) facts.provenance = inspection.provenance;
  if (needs.commands) {
    const commandsStarted = Date.now();
    facts.commands = await runCommands(engine, spec, needs.commands, tag, options, ticket);
    timingsMs.commands = Date.now() - commandsStarted;
  }
  if (run?.startMs !== undefined) timingsMs.start = run.startMs;
  if (run?.probe) timingsMs.probe = run.probe.elapsedMs;
  facts.sizeReference = await sizeReferenceFor(engine, spec, sources.dockerfile, options);
}

/** What is read from the final image's files: its size, and the venv, paths and provenance the checks asked for. */
async function inspectImage(
  engine: Engine,
  inspected: Dockerode.ImageInspectInfo,
  files: ImageFiles,
  sources: BuildSources,
  build: BuildResult,
  needs: FactNeeds,
  labels: Record<string, string>,
): Promise<Pick<SubmissionFacts, "venv" | "paths" | "entrypoint" | "provenance"> & { size: Awaited<ReturnType<typeof measureImageSize>> }> {
  const size = await measureImageSize(engine.docker, inspected.Id, sources.dockerfile, files, copySourceImage(build.steps), labels);
  const venv = needs.venv ? await inspectVenv(engine.docker, inspected, files, sources) : undefined;
  const asked = [...new Set([...(needs.paths ?? []), ...(needs.provenance ?? [])])];
  if (!asked.length) return { size, venv };
  const entrypoint = asked.includes("entrypoint") ? await resolveEntrypoint(inspected.Config ?? {}, files) : undefined;
  // `entrypoint` stands for the file the image runs; the others are paths as written.
  const actual = (name: string): string | undefined => (name === "entrypoint" ? entrypoint?.path : name);
  const paths: Record<string, PathStat | null> = {};
  for (const name of asked) {
    const target = actual(name);
    paths[name] = target ? ((await files.stat(target)) ?? null) : null;
  }
  const provenance: Record<string, PathProvenance> = {};
  for (const name of needs.provenance ?? []) {
    const target = actual(name);
    if (target && paths[name]) provenance[name] = await pathProvenance(engine.docker, inspected.Id, target, files, sources);
  }
  return { size, venv, paths, entrypoint, provenance };
}

/** The most the checks' commands may take, each with a few seconds to create, start and remove its container. */
function commandsSeconds(needs: FactNeeds): number {
  return (needs.commands ?? []).reduce((sum, c) => sum + c.timeoutSeconds + 5, 0);
}

/** The checks' commands, one after another (the app's container is gone by then), in the submission's sandbox. */
async function runCommands(
  engine: Engine,
  spec: LabSpec,
  commands: CommandNeed[],
  tag: string,
  options: GatherOptions,
  diskGuard: FloorTicket,
): Promise<Record<string, CommandResult>> {
  const results: Record<string, CommandResult> = {};
  for (const { command, timeoutSeconds } of commands) {
    results[commandKey(command)] = await runInImage(engine, { ...sandboxed(spec, tag, options, diskGuard), command, timeoutSeconds });
  }
  return results;
}

/** A container of the submission's image in its sandbox: the lab's limits, its disk budget, the run's labels. */
function sandboxed(spec: LabSpec, tag: string, options: GatherOptions, diskGuard: FloorTicket): SandboxedRequest {
  const budgetBytes = spec.sandbox.diskBudgetMb * 1024 ** 2;
  return {
    image: tag,
    labels: options.labels,
    limits: { memoryBytes: spec.sandbox.memoryMb * 1024 ** 2, cpus: spec.sandbox.cpus, pids: spec.sandbox.pids },
    diskBudgetBytes: budgetBytes,
    storageSizeBytes: storageSize(options.containerQuota, budgetBytes),
    diskGuard,
  };
}

function runRequest(
  spec: LabSpec,
  needs: FactNeeds,
  tag: string,
  options: GatherOptions,
  diskGuard: FloorTicket,
  onStarted?: () => void,
): RunRequest {
  return {
    ...sandboxed(spec, tag, options, diskGuard),
    port: spec.app!.port,
    probe: needs.probe,
    startSeconds: spec.timeouts.startSeconds,
    probeSeconds: options.probeTimeoutSeconds,
    network: options.network,
    onStarted,
  };
}

/**
 * A run whose verdict can depend on what else ran meanwhile: the container was up but nothing answered in time.
 * A wrong answer or a crash is the submission's own, whatever the load.
 */
export function dependsOnLoad(run: RunFacts): boolean {
  return run.started && !run.diskBudgetExceeded && ["refused", "closed", "timeout", "error"].includes(run.probe?.kind ?? "");
}

/** With `size.reference: same-base` and a base other than the reference's: the reference rebuilt on it. */
async function sizeReferenceFor(
  engine: Engine,
  spec: LabSpec,
  analysis: DockerfileFacts,
  options: GatherOptions,
): Promise<ReferenceFacts | undefined> {
  if (spec.size.reference !== "same-base") return undefined;
  const base = finalBaseImage(analysis);
  const labBase = referenceBaseImage(spec);
  if (!base || !labBase || normalizeImage(base) === normalizeImage(labBase)) return undefined;
  return sameBaseReference(engine, spec, base, options.buildTimeoutSeconds, defaultBuilder(options.builders), options.images);
}
