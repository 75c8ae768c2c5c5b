import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import tar from "tar-stream";
import { buildImage } from "./build";
import { pruneBuildCacheAdded, takeBuildCacheMark } from "./buildkit-cache";
import { thawStrandedBuildkitParents } from "./cgroup-freezer";
import { BuildkitLimiter, locateBuildkitCgroup, type BuildkitCgroup, type Located, type StepLimits } from "./buildkit-cgroups";

export type BuildkitSandbox = { ok: true; limiter: BuildkitLimiter; cgroup: BuildkitCgroup } | { ok: false; reason: string; unbuilt?: boolean };

/** Where the probe's step ran, and whether it was found among this machine's processes (else only its own view was read). */
export type Probed = Located & { stepFound: boolean };

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
export async function probeBuildkitCgroup(docker: Dockerode, probeImage: string, labels: Record<string, string>): Promise<Probed> {
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

/** How long the probe's step waits to be found on this machine (it is let go as soon as it is). */
const PROBE_WAIT_SECONDS = 3;

async function probe(docker: Dockerode, probeImage: string, labels: Record<string, string>): Promise<Probed> {
  const nonce = randomBytes(6).toString("hex");
  const tag = `lab-grader/buildkit-probe:${nonce}`;
  // The step prints its cgroups as it sees them, then waits in a shell whose script names the probe, so that the
  // grader can find it among this machine's processes and read its cgroup from outside: on cgroup v2, BuildKit
  // 0.12 and later (Docker 24+) run each step in a cgroup namespace of its own, where it sees only "0::/".
  const waiting = `sleep ${PROBE_WAIT_SECONDS}; : lab-grader-probe-${nonce}`;
  const step = new ProbeStepWatch(waiting);
  const probe = await buildImage(docker, {
    builder: "buildkit",
    context: contextOf(`FROM ${probeImage}\nRUN cat /proc/self/cgroup; sh -c '${waiting}' || true\n`),
    tags: [tag],
    labels,
    networkMode: "none",
    useCache: false,
    timeoutMs: 60_000,
  }).finally(() => step.stop());
  if (probe.imageId)
    await docker
      .getImage(probe.imageId)
      .remove({ force: true })
      .catch(() => undefined);
  const stepFound = step.cgroup !== undefined;
  if (!probe.ok) return { ok: false, unbuilt: true, reason: `a BuildKit probe build FROM ${probeImage} failed: ${probe.error}`, stepFound };
  const printed = probe.log
    .split("\n")
    .map((line) => /^#\d+ [\d.]+ (\d+:[^:]*:\/.*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined);
  return { ...locateBuildkitCgroup(step.cgroup ?? printed.join("\n")), stepFound };
}

/**
 * Looks among this machine's processes for the probe's waiting shell (its script is unique to the probe): once
 * found, keeps its /proc/<pid>/cgroup — the step's cgroup as this machine names it — and kills it, so the step
 * ends at once. Not found when the engine's processes are not this machine's (a remote engine, a VM).
 */
class ProbeStepWatch {
  cgroup?: string;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly script: string) {
    this.timer = setInterval(() => this.scan(), 50);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private scan(): void {
    for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[2] !== this.script) continue;
        this.cgroup = readFileSync(`/proc/${pid}/cgroup`, "utf8");
      } catch {
        continue; // gone meanwhile
      }
      this.stop();
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // not ours to kill (a grader without root): the step ends when its wait does
      }
      return;
    }
  }
}

function contextOf(dockerfile: string): Readable {
  const pack = tar.pack();
  pack.entry({ name: "Dockerfile" }, dockerfile);
  pack.finalize();
  return pack as unknown as Readable;
}
