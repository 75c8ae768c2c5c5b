import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import tar from "tar-stream";
import { buildImage } from "./build";
import { pruneBuildCacheAdded, takeBuildCacheMark } from "./buildkit-cache";
import { thawStrandedBuildkitParents } from "./cgroup-freezer";
import { BuildkitLimiter, locateBuildkitCgroup, type BuildkitCgroup, type Located, type StepLimits } from "./buildkit-cgroups";

export type BuildkitSandbox = { ok: true; limiter: BuildkitLimiter; cgroup: BuildkitCgroup } | { ok: false; reason: string; unbuilt?: boolean };

/**
 * Makes BuildKit safe to build untrusted Dockerfiles with on this engine: finds where it puts RUN steps
 * (probeBuildkitCgroup), and a BuildkitLimiter then holds every step to `limits` until stopped.
 */
export async function startBuildkitSandbox(
  docker: Dockerode,
  probeImage: string,
  limits: StepLimits,
  labels: Record<string, string>,
): Promise<BuildkitSandbox> {
  const located = await probeBuildkitCgroup(docker, probeImage, labels);
  if (!located.ok) return located;
  return { ok: true, cgroup: located.cgroup, limiter: new BuildkitLimiter(located.cgroup, limits).start() };
}

/**
 * A probe build (FROM `probeImage`, one RUN printing its cgroups) tells where the engine puts BuildKit's RUN
 * steps. Not ok, with the reason, when that cgroup tree is not this machine's (a remote engine, Docker Desktop's
 * VM) or the probe cannot build.
 */
export async function probeBuildkitCgroup(docker: Dockerode, probeImage: string, labels: Record<string, string>): Promise<Located> {
  // A probe step under a parent a killed grader left frozen would hang until the probe's timeout
  thawStrandedBuildkitParents();
  const mark = await takeBuildCacheMark(docker).catch(() => undefined);
  try {
    return await probe(docker, probeImage, labels);
  } finally {
    // The probe leaves nothing: `doctor` runs it too
    if (mark) await pruneBuildCacheAdded(docker, mark).catch(() => undefined);
  }
}

async function probe(docker: Dockerode, probeImage: string, labels: Record<string, string>): Promise<Located> {
  const tag = `lab-grader/buildkit-probe:${randomBytes(6).toString("hex")}`;
  const probe = await buildImage(docker, {
    builder: "buildkit",
    context: contextOf(`FROM ${probeImage}\nRUN cat /proc/self/cgroup\n`),
    tags: [tag],
    labels,
    networkMode: "none",
    useCache: false,
    timeoutMs: 60_000,
  });
  if (probe.imageId)
    await docker
      .getImage(probe.imageId)
      .remove({ force: true })
      .catch(() => undefined);
  if (!probe.ok) return { ok: false, unbuilt: true, reason: `a BuildKit probe build FROM ${probeImage} failed: ${probe.error}` };
  const cgroupLines = probe.log
    .split("\n")
    .map((line) => /^#\d+ [\d.]+ (\d+:[^:]*:\/.*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined);
  return locateBuildkitCgroup(cgroupLines.join("\n"));
}

function contextOf(dockerfile: string): Readable {
  const pack = tar.pack();
  pack.entry({ name: "Dockerfile" }, dockerfile);
  pack.finalize();
  return pack as unknown as Readable;
}
