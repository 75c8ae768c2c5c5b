import Dockerode from "dockerode";
import { getContainerRuntimeClient, type ContainerRuntimeClient } from "testcontainers";
import { withTimeout } from "../common/duration";

export interface Engine {
  /** The testcontainers client; GenericContainer uses the same connection. */
  runtime: ContainerRuntimeClient;
  /** dockerode, for engine calls testcontainers does not wrap (builds, image inspection). */
  docker: Dockerode;
}

/** Where the engine is expected, as the user would configure it. */
export function engineLocation(): string {
  return process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : "unix:///var/run/docker.sock (default)";
}

/**
 * Connects through testcontainers' discovery (DOCKER_HOST, ~/.testcontainers.properties, the default socket).
 * testcontainers falls back to the default socket when DOCKER_HOST does not answer; grading on another engine
 * than the one the user named would be a silent surprise, so DOCKER_HOST must answer itself.
 */
export async function connectEngine(): Promise<Engine> {
  if (process.env.DOCKER_HOST) {
    await withTimeout(new Dockerode().ping(), 10_000, `no answer from ${engineLocation()} within 10 s`);
  }
  const runtime = await getContainerRuntimeClient();
  return { runtime, docker: (runtime.container as unknown as { dockerode: Dockerode }).dockerode };
}

/** Like connectEngine, but resolves to undefined instead of throwing when no engine answers. */
export async function tryConnectEngine(): Promise<Engine | undefined> {
  try {
    return await connectEngine();
  } catch {
    return undefined;
  }
}
