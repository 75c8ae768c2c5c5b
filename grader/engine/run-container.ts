import type { Readable } from "node:stream";
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { TailBuffer } from "../common/tail-buffer";
import { sleep } from "../common/duration";
import { probeUntil, type ProbeResult } from "../probe/http";
import type { Engine } from "./client";
import { NoWaitStrategy } from "./no-wait-strategy";

export const CONTAINER_LOG_CAP_BYTES = 32 * 1024;

export interface RunRequest {
  image: string;
  port: number;
  path: string;
  labels: Record<string, string>;
  /** How long after start the container must still be running. */
  startSeconds: number;
  /** How long the probe may keep trying. */
  probeSeconds: number;
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
}

/**
 * Runs the image with testcontainers, probes the app from the host through the published port, and checks
 * the container is still up after `startSeconds`. The container is always removed.
 */
export async function runAndProbe(engine: Engine, request: RunRequest): Promise<RunFacts> {
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(request.image)
      .withExposedPorts(request.port)
      .withLabels(request.labels)
      .withWaitStrategy(new NoWaitStrategy())
      .start();
  } catch (error) {
    return { started: false, startError: (error as Error).message, running: false, logs: "" };
  }
  const startedAt = Date.now();
  const handle = engine.docker.getContainer(container.getId());
  try {
    const isAlive = async (): Promise<boolean> => (await handle.inspect()).State.Running;
    let probe: ProbeResult;
    let port: number | undefined;
    try {
      port = container.getMappedPort(request.port);
    } catch {
      port = undefined;
    }
    if (port === undefined) {
      probe = { kind: "exited", detail: "the container stopped before its port could be published", elapsedMs: 0 };
    } else {
      const url = `http://${formatHost(container.getHost())}:${port}${request.path}`;
      probe = await probeUntil(url, startedAt + request.probeSeconds * 1000, isAlive);
    }
    const waitMore = startedAt + request.startSeconds * 1000 - Date.now();
    if (waitMore > 0) await sleep(waitMore);
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
    };
  } finally {
    await container.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() =>
      handle.remove({ force: true, v: true }).catch(() => undefined),
    );
  }
}

async function readLogs(handle: ReturnType<Engine["docker"]["getContainer"]>): Promise<string> {
  const buffer = new TailBuffer(CONTAINER_LOG_CAP_BYTES);
  try {
    // tail bounds what the engine sends; the buffer bounds what we keep.
    const stream = (await handle.logs({ stdout: true, stderr: true, follow: true, tail: 2000 })) as unknown as Readable;
    await new Promise<void>((resolve) => {
      handle.modem.demuxStream(stream, { write: (c: Buffer) => buffer.append(c.toString("utf8")) } as never, {
        write: (c: Buffer) => buffer.append(c.toString("utf8")),
      } as never);
      stream.on("end", resolve);
      stream.on("error", () => resolve());
      // Safety net should the engine keep the stream open.
      setTimeout(() => {
        stream.destroy();
        resolve();
      }, 5000).unref();
    });
  } catch {
    // Logs are feedback only; their absence must not fail grading.
  }
  return buffer.text();
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
