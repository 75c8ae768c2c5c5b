import type Dockerode from "dockerode";
import { watchContainerDisk, type ContainerDiskLimits, type DiskBudgetExceeded } from "./disk-watch";
import type { StartedTestContainer } from "testcontainers";
import { TailBuffer } from "../common/tail-buffer";
import { sleep } from "../common/duration";
import { probeUntil, type ProbeResult } from "../probe/http";
import type { ProbeRequest } from "../checks/check";
import type { Engine } from "./client";
import { NoWaitStrategy } from "./no-wait-strategy";
import { SandboxedContainer, type RunLimits } from "./sandboxed-container";
import { engineErrorText } from "./build";
import { readContainerLogs } from "./container-logs";

/**
 * How the app is reached. internal: on a network with no way out, probed at the container's own address
 * (the host can route to it on a local Linux engine). published: a port published on the host, for engines in
 * a VM (Docker Desktop) whose container addresses the host cannot reach; the app can then reach outside.
 */
export type RunNetwork = { mode: "internal"; name: string } | { mode: "published"; loopback: boolean };

export const CONTAINER_LOG_CAP_BYTES = 32 * 1024;

export interface RunRequest extends SandboxedRequest {
  port: number;
  /** The request sent once started; none: the container is only watched (no check of the lab probes it). */
  probe?: ProbeRequest;
  /** How long after start the container must still be running. */
  startSeconds: number;
  /** How long the probe may keep trying. */
  probeSeconds: number;
  network: RunNetwork;
  /** Told once the container has started, or could not be (work that should not slow its start waits for it). */
  onStarted?: () => void;
}

export interface RunFacts {
  started: boolean;
  /** Why the container could not be started at all. */
  startError?: string;
  /** State `startSeconds` after start (or when the probe ended, if later). */
  running: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  probe?: ProbeResult;
  /** The container's output, head and tail, capped. */
  logs: string;
  /** How long creating and starting the container took. */
  startMs?: number;
  /**
   * Set when these facts come from a second run with nothing else running, made because the first — beside other
   * submissions' builds and runs — got no answer in time: what that first run saw.
   */
  firstRunUnderLoad?: { probe?: ProbeResult; running: boolean };
  /** Set when the container was killed for writing past its disk budget. */
  diskBudgetExceeded?: DiskBudgetExceeded;
}

/**
 * Runs the image with testcontainers, probes the app from the host through the published port, and checks
 * the container is still up after `startSeconds`. The container is always removed.
 */
export async function runAndProbe(engine: Engine, request: RunRequest): Promise<RunFacts> {
  const asked = Date.now();
  // A container that could not start is removed before onStarted: the image's files are then read through
  // another container with the same labels.
  const started = await startSandboxed(engine, request, (definition) => {
    if (request.network.mode === "internal") definition.withNetworkMode(request.network.name);
    else if (request.network.loopback) definition.withLoopbackPort(request.port);
    else definition.withExposedPorts(request.port);
  });
  request.onStarted?.();
  if ("startError" in started) return { started: false, startError: started.startError, running: false, logs: "" };
  const { container } = started;
  const startedAt = Date.now();
  const handle = engine.docker.getContainer(container.getId());
  const disk = watchContainerDisk(handle, request);
  try {
    const isAlive = async (): Promise<boolean> => (await handle.inspect()).State.Running;
    const probe = request.probe === undefined ? undefined : await probeApp(container, handle, request, request.probe, startedAt, isAlive);
    await untilStoppedOr(handle, startedAt + request.startSeconds * 1000);
    await disk.measureNow();
    const state = (await handle.inspect()).State;
    // Stopped, its log stream ends as soon as it is read.
    if (state.Running) await handle.kill().catch(() => undefined);
    return {
      started: true,
      running: state.Running,
      exitCode: state.Running ? undefined : state.ExitCode,
      oomKilled: state.OOMKilled,
      probe,
      logs: await readLogs(handle),
      startMs: startedAt - asked,
      ...(disk.exceeded() ? { diskBudgetExceeded: disk.exceeded() } : {}),
    };
  } finally {
    disk.end();
    await removeStarted(container, handle);
  }
}

/** What every submission's container is made from: the image, its sandbox, its labels, its disk limits. */
export interface SandboxedRequest extends ContainerDiskLimits {
  image: string;
  limits: RunLimits;
  labels: Record<string, string>;
}

/**
 * Starts a container of the image in the submission's sandbox, `configure` adding what this one needs. One the
 * engine created but could not start (a USER or an executable the image lacks) is removed at once — found by its
 * labels, which must be its own — and the engine's reason returned.
 */
export async function startSandboxed(
  engine: Engine,
  request: SandboxedRequest,
  configure: (definition: SandboxedContainer) => void,
): Promise<{ container: StartedTestContainer } | { startError: string }> {
  const definition = new SandboxedContainer(request.image)
    .withSandbox(request.limits)
    .withLabels(request.labels)
    .withWaitStrategy(new NoWaitStrategy());
  if (request.storageSizeBytes !== undefined) definition.withStorageSize(request.storageSizeBytes);
  configure(definition);
  try {
    return { container: await definition.start() };
  } catch (error) {
    await removeLabelled(engine, request.labels);
    return { startError: engineErrorText(error) };
  }
}

/** Removes a container testcontainers started, through the engine directly should testcontainers fail to. */
export async function removeStarted(container: StartedTestContainer, handle: Dockerode.Container): Promise<void> {
  await container.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => handle.remove({ force: true, v: true }).catch(() => undefined));
}

async function probeApp(
  container: StartedTestContainer,
  handle: ReturnType<Engine["docker"]["getContainer"]>,
  request: RunRequest,
  { path, ...sent }: ProbeRequest,
  startedAt: number,
  isAlive: () => Promise<boolean>,
): Promise<ProbeResult> {
  const address = await appAddress(container, handle, request);
  if (!address) return { kind: "exited", detail: "the container stopped before it could be reached", elapsedMs: 0 };
  return probeUntil(`http://${address}${path}`, startedAt + request.probeSeconds * 1000, isAlive, sent);
}

/** Returns at `deadline`, or as soon as the container stops if that is earlier (the engine's wait, not a poll). */
export async function untilStoppedOr(handle: ReturnType<Engine["docker"]["getContainer"]>, deadline: number): Promise<void> {
  const ms = deadline - Date.now();
  if (ms <= 0) return;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    await handle.wait({ condition: "not-running", abortSignal: controller.signal });
  } catch {
    // Aborted at the deadline: the usual case, the container still runs. Had the engine failed the wait
    // instead, returning early would credit a window that has not passed: wait it out.
    if (!controller.signal.aborted) await sleep(deadline - Date.now());
  } finally {
    clearTimeout(timer);
  }
}

async function readLogs(handle: ReturnType<Engine["docker"]["getContainer"]>): Promise<string> {
  const buffer = new TailBuffer(CONTAINER_LOG_CAP_BYTES);
  await readContainerLogs(handle, buffer);
  return buffer.text();
}

/** host:port the probe uses, or undefined when the container is already gone. */
async function appAddress(
  container: StartedTestContainer,
  handle: ReturnType<Engine["docker"]["getContainer"]>,
  request: RunRequest,
): Promise<string | undefined> {
  if (request.network.mode === "internal") {
    const networks = (await handle.inspect()).NetworkSettings.Networks;
    const ip = networks[request.network.name]?.IPAddress;
    return ip ? `${formatHost(ip)}:${request.port}` : undefined;
  }
  try {
    const host = request.network.loopback ? "127.0.0.1" : container.getHost();
    return `${formatHost(host)}:${container.getMappedPort(request.port)}`;
  } catch {
    return undefined;
  }
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Removes the containers that carry all of `labels` (a submission's, in a run). */
export async function removeLabelled(engine: Engine, labels: Record<string, string>): Promise<void> {
  const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
  const containers = await engine.docker.listContainers({ all: true, filters }).catch(() => []);
  for (const c of containers)
    await engine.docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
}
