import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import {
  containerCgroupOf,
  describeExceeded,
  watchDisk,
  writtenByContainer,
  type DiskBudgetExceeded,
  type DiskGuard,
  type WorkCgroups,
} from "./disk-watch";
import { TailBuffer } from "../common/tail-buffer";
import { readJsonLines } from "./json-lines";
import { BuildkitProgress, decodeStatus } from "./buildkit-status";
import { BuildkitDiskUse, buildHostEntry } from "./buildkit-disk";
import type { StepsPlace } from "./buildkit-cgroups";

/** Docker's classic builder, or the engine's own BuildKit (`version=2` of the build API). */
export type Builder = "classic" | "buildkit";

export interface BuildRequest {
  /** Default "classic". BuildKit takes no limits from the request: see BuildkitLimiter. */
  builder?: Builder;
  /** A tar stream of the build context. */
  context: Readable;
  /** Path of the Dockerfile inside the context. */
  dockerfile?: string;
  /** The first is the build's tag; the rest are added after a successful build. */
  tags: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Engine network mode for RUN steps, e.g. "none". */
  networkMode?: string;
  timeoutMs: number;
  /** Build log kept in memory (head and tail). */
  logCapBytes?: number;
  /** Re-use the engine's layer cache (default true). */
  useCache?: boolean;
  /** Memory (no extra swap) and CPU of each RUN step; the classic builder enforces them, BuildKit ignores them. */
  limits?: { memoryBytes: number; cpus: number };
  /** Told each image a step uses (a cache hit) or commits, as the engine reports it. */
  onImage?: (shortId: string) => void;
  /** What the build may write to the engine's disk (its layers and the container of the step running); past it, it is stopped. */
  diskBudgetBytes?: number;
  /** The run's guard of the engine's free space: it may measure this build's writes at once, or stop it. */
  diskGuard?: DiskGuard;
  /** BuildKit: where the engine's RUN steps' cgroups appear (see BuildkitCgroup), to find this build's steps' writes. */
  buildkitSteps?: StepsPlace;
  /** BuildKit: the name its steps are keyed by; builds share steps only under the same one (see grading/step-sharing.ts). */
  stepsScope?: string;
  /** See BUILDKIT_STALL_MS (tests shorten it). */
  stallMs?: number;
}

export interface BuildStep {
  /** The instruction as the engine echoed it, e.g. "COPY --from=builder /app/venv /app/venv". */
  instruction: string;
  /** The whole line, e.g. "Step 9/13 : COPY --from=builder /app/venv /app/venv". */
  line: string;
  /** Short id of the image committed by this step (the FROM step: the base image). */
  imageId?: string;
  /** Short id of the container the step runs in (RUN steps), from "Running in …". */
  container?: string;
  /** A RUN, COPY or ADD the engine took from its cache ("Using cache"). */
  reused?: boolean;
}

export interface BuildResult {
  ok: boolean;
  imageId?: string;
  /** The build output as the student would see it, capped. */
  log: string;
  /** The engine's error text when the build failed. */
  error?: string;
  /** The instruction that failed when !ok: the last `Step N/M : …` line (classic) or the failed step's name (BuildKit). */
  lastStep?: string;
  /** BuildKit: the failed step's own last output lines (the log interleaves steps that run in parallel). */
  failedStepOutput?: string;
  /**
   * Every step the classic builder ran, in order, with the image it committed. Tracked while streaming, so a
   * flooded (capped) log never loses them. The later steps after the last FROM are the final stage. Empty with
   * BuildKit, which commits no image per step.
   */
  steps: BuildStep[];
  timedOut: boolean;
  /**
   * BuildKit: stopped because the engine's solver went quiet — no step running and no status for
   * BUILDKIT_STALL_MS — which is the engine's fault, not the Dockerfile's (see gather-facts, stalledBuild).
   */
  stalled?: boolean;
  /** Set when the build was stopped for writing past its disk budget. */
  diskBudgetExceeded?: DiskBudgetExceeded;
  durationMs: number;
  /** The Dockerfile's steps (RUN, COPY, ADD) the engine took from its cache instead of running them again. */
  reusedSteps: number;
}

/**
 * How long a BuildKit build may go with no step running and no status before it counts as stalled. Every phase
 * of a working build is a step that reports (loading the context, each instruction, exporting the image); Docker
 * 20.10's BuildKit was seen to stop, mid-build, with none running and none to come, beside concurrent builds
 * (docs/buildkit.md, "Stalled builds").
 */
export const BUILDKIT_STALL_MS = 60_000;

/** The image each stage ended with (short ids), in stage order, from the steps the classic builder ran. */
export function stageImages(steps: BuildStep[]): (string | undefined)[] {
  const images: (string | undefined)[] = [];
  for (const step of steps) {
    if (/^FROM\s/i.test(step.instruction)) images.push(step.imageId);
    else if (step.imageId && images.length) images[images.length - 1] = step.imageId;
  }
  return images;
}

/**
 * Builds an image through the engine API, streaming and capping the log (BuildKit's status stream rendered as
 * `--progress=plain` text). On timeout the request is aborted, which makes the engine stop the build: the classic
 * builder removes its containers, BuildKit cancels the solve and kills the running step.
 */
export async function buildImage(docker: Dockerode, request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const log = new TailBuffer(request.logCapBytes ?? 256 * 1024);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  let imageId: string | undefined;
  let error: string | undefined;
  let lastStep: string | undefined;
  let failedStepOutput: string | undefined;
  const steps: BuildStep[] = [];
  const buildkit = request.builder === "buildkit" ? new BuildkitProgress() : undefined;
  const buildHost = buildkit && buildHostEntry(request.stepsScope);
  const disk =
    request.diskBudgetBytes === undefined
      ? undefined
      : buildkit
        ? request.buildkitSteps && buildHost
          ? new BuildkitDiskUse(request.buildkitSteps, buildHost.address)
          : undefined
        : new BuildDiskUse(docker, steps);
  let diskBudgetExceeded: DiskBudgetExceeded | undefined;
  const watch =
    disk &&
    watchDisk(
      () => disk.written(),
      request.diskBudgetBytes!,
      (exceeded) => {
        diskBudgetExceeded = exceeded;
        controller.abort();
      },
    );
  let stoppedByGuard = false;
  let stalled = false;
  let lastStatusAt = Date.now();
  // The engine says nothing while it receives the context (a large one, a remote engine): the clock starts once it has it all.
  let contextSent = false;
  request.context.once("end", () => {
    contextSent = true;
    lastStatusAt = Date.now();
  });
  const stallTimer =
    buildkit &&
    setInterval(() => {
      if (contextSent && buildkit.runningStep() === undefined && Date.now() - lastStatusAt > (request.stallMs ?? BUILDKIT_STALL_MS)) {
        stalled = true;
        controller.abort();
      }
    }, 1000);
  const untrack = request.diskGuard?.track({
    watch,
    stop: () => {
      stoppedByGuard = true;
      controller.abort();
    },
    cgroups: () => disk?.cgroups() ?? { freeze: [], processes: [] },
  });
  const stopped = (): string =>
    diskBudgetExceeded
      ? `the build ${describeExceeded(diskBudgetExceeded)}; it was stopped`
      : stalled
        ? `the engine's BuildKit stopped reporting progress (no step running for ${Math.round((request.stallMs ?? BUILDKIT_STALL_MS) / 1000)} s); the build was stopped`
        : stoppedByGuard
          ? "the build was stopped: the engine's disk fell under its floor"
          : `the build did not finish within ${Math.round(request.timeoutMs / 1000)} s and was stopped`;
  const finish = (extra: Partial<BuildResult>): BuildResult => ({
    ok: false,
    log: log.text(),
    lastStep: controller.signal.aborted ? (buildkit?.runningStep() ?? lastStep) : lastStep,
    failedStepOutput,
    steps,
    timedOut: controller.signal.aborted && !diskBudgetExceeded && !stoppedByGuard && !stalled,
    ...(stalled ? { stalled } : {}),
    diskBudgetExceeded,
    durationMs: Date.now() - started,
    reusedSteps: buildkit ? buildkit.reusedSteps() : steps.filter((step) => step.reused).length,
    ...extra,
  });
  try {
    const stream = (await docker.buildImage(request.context as unknown as NodeJS.ReadableStream, {
      t: request.tags[0],
      dockerfile: request.dockerfile ?? "Dockerfile",
      buildargs: request.buildArgs,
      labels: request.labels,
      networkmode: request.networkMode,
      nocache: request.useCache === false,
      ...(request.limits && !buildkit
        ? {
            memory: request.limits.memoryBytes,
            memswap: request.limits.memoryBytes,
            cpuperiod: 100_000,
            cpuquota: Math.ceil(request.limits.cpus * 100_000),
          }
        : {}),
      rm: true,
      forcerm: true,
      version: buildkit ? "2" : "1",
      ...(buildHost ? { extrahosts: `${buildHost.name}:${buildHost.address}` } : {}),
      abortSignal: controller.signal,
    })) as unknown as Readable;
    for await (const message of readJsonLines(stream)) {
      const m = message as { id?: string; stream?: string; status?: string; error?: string; errorDetail?: { message?: string }; aux?: unknown };
      if (buildkit && m.id === "moby.buildkit.trace" && typeof m.aux === "string") {
        lastStatusAt = Date.now();
        for (const line of buildkit.apply(decodeStatus(m.aux))) log.append(`${line}\n`);
        const failed = buildkit.failedStep();
        if (failed) {
          lastStep = failed.name;
          failedStepOutput = [...failed.lastLines, `ERROR: ${failed.error}`].join("\n");
        }
        continue;
      }
      if (typeof m.stream === "string") {
        log.append(m.stream);
        trackSteps(m.stream, steps, request.onImage);
        if (steps.length) lastStep = steps[steps.length - 1].line;
      } else if (typeof m.status === "string") {
        log.append(`${m.status}\n`);
      }
      const id = (m.aux as { ID?: unknown } | undefined)?.ID;
      if (typeof id === "string") imageId = id;
      if (m.error || m.errorDetail) {
        error = m.errorDetail?.message ?? m.error ?? "the build failed";
        log.append(`${error}\n`);
      }
    }
  } catch (thrown) {
    if (controller.signal.aborted) return finish({ error: stopped() });
    return finish({ error: engineErrorText(thrown) });
  } finally {
    clearTimeout(timer);
    clearInterval(stallTimer);
    untrack?.();
    watch?.stop();
    if (disk instanceof BuildkitDiskUse) disk.stop();
  }
  if (controller.signal.aborted) return finish({ error: stopped() });
  if (error || !imageId) return finish({ error: error ?? "the engine reported no image id" });
  for (const tag of request.tags.slice(1)) {
    const [repo, version] = splitTag(tag);
    await docker.getImage(imageId).tag({ repo, tag: version });
  }
  return finish({ ok: true, imageId, timedOut: false });
}

function trackSteps(text: string, steps: BuildStep[], onImage?: (shortId: string) => void): void {
  for (const line of text.split("\n")) {
    const step = /^Step \d+\/\d+ : (.*)$/.exec(line);
    if (step) steps.push({ instruction: step[1].trim().slice(0, 1000), line: line.trim().slice(0, 1000) });
    if (/^ ---> Using cache\s*$/.test(line) && steps.length && /^(RUN|COPY|ADD)\b/i.test(steps[steps.length - 1].instruction))
      steps[steps.length - 1].reused = true;
    const running = /^ ---> Running in ([0-9a-f]{12})\s*$/.exec(line);
    if (running && steps.length) steps[steps.length - 1].container = running[1];
    const committed = /^ ---> ([0-9a-f]{12})\s*$/.exec(line);
    if (committed && steps.length) {
      steps[steps.length - 1].imageId = committed[1];
      onImage?.(committed[1]);
    }
  }
}

/**
 * What a classic build has written so far, from the steps tracked while it streams: the layer each non-FROM step
 * committed (the newest entry of its image's history) and the writable layer of the step still running.
 */
class BuildDiskUse {
  private readonly layers = new Map<string, Promise<number>>();
  private readonly stepCgroups = new Map<string, () => WorkCgroups>();

  constructor(
    private readonly docker: Dockerode,
    private readonly steps: BuildStep[],
  ) {}

  async written(): Promise<number> {
    let bytes = 0;
    for (const step of this.steps) {
      if (/^FROM\s/i.test(step.instruction)) continue;
      if (step.imageId) bytes += await this.layer(step.imageId);
      else if (step.container) bytes += await writtenByContainer(this.docker.getContainer(step.container));
    }
    return bytes;
  }

  /** The cgroup of the step running now: the container of the last step, until it is committed. */
  cgroups(): WorkCgroups {
    const running = this.steps.at(-1);
    if (!running?.container || running.imageId) return { freeze: [], processes: [] };
    let find = this.stepCgroups.get(running.container);
    if (!find) this.stepCgroups.set(running.container, (find = containerCgroupOf(running.container)));
    return find();
  }

  private layer(id: string): Promise<number> {
    let size = this.layers.get(id);
    if (!size) {
      size = this.docker
        .getImage(id)
        .history()
        .then(
          ([own]) => own?.Size ?? 0,
          () => 0,
        );
      this.layers.set(id, size);
    }
    return size;
  }
}

/** The engine's own message from a dockerode error (HTTP 400 parse errors and the like). */
export function engineErrorText(thrown: unknown): string {
  const e = thrown as { json?: { message?: string }; reason?: string; message?: string };
  const text = e?.json?.message ?? e?.message ?? String(thrown);
  // dockerode wraps the engine's message as "(HTTP code 500) server error - <message> ".
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
}

/** "repo/name:tag" → ["repo/name", "tag"]; a registry port is not mistaken for a tag. */
export function splitTag(reference: string): [string, string] {
  const colon = reference.lastIndexOf(":");
  if (colon > reference.lastIndexOf("/")) return [reference.slice(0, colon), reference.slice(colon + 1)];
  return [reference, "latest"];
}
