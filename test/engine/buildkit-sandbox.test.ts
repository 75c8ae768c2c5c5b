import { randomBytes } from "node:crypto";
import path from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import Dockerode from "dockerode";
import tar from "tar-stream";
import { buildImage, type BuildResult } from "../../grader/engine/build";
import { probeBuildkitCgroup, startBuildkitSandbox } from "../../grader/engine/buildkit-sandbox";
import { isStepCgroup, type BuildkitCgroup, type BuildkitLimiter } from "../../grader/engine/buildkit-cgroups";
import { freezeCgroups } from "../../grader/engine/cgroup-freezer";
import type { DiskGuard } from "../../grader/engine/disk-watch";
import { sleep } from "../../grader/common/duration";
import { connectEngine } from "../../grader/engine/client";
import { loadStandIns, startMatrixEngine, type MatrixEngine } from "../helpers/engine-matrix";

const LIMITS = { memoryBytes: 128 * 1024 ** 2, cpus: 0.5, pids: 32 };
const BASE = "python:3.9-slim";

interface EngineUnderTest {
  docker: Dockerode;
  stop: () => Promise<void>;
}

/** The engine `setup` installs here, and the matrix's Docker 28 with either image store, one after another. */
const ENGINES: [string, () => Promise<EngineUnderTest>][] = [
  ["the host's engine", async () => ({ docker: (await connectEngine()).docker, stop: async () => undefined })],
  ...(["overlay2", "containerd"] as const).map((mode): [string, () => Promise<EngineUnderTest>] => [
    `Docker 28 with ${mode}`,
    async () => {
      const engine: MatrixEngine = await startMatrixEngine(mode);
      await loadStandIns(engine, [BASE]);
      return { docker: new Dockerode({ socketPath: engine.socketPath }), stop: engine.stop };
    },
  ]),
];

/** Processes anywhere on this machine (engines' namespaces included) with `marker` among their arguments. */
function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * BuildKit takes no limits through the engine API; the grader holds every RUN step to the lab's build limits
 * through the step's cgroup (grader/engine/buildkit-cgroups.ts). Proved here from inside RUN steps, on each
 * engine of the matrix, with limits far below what the steps try to use.
 */
describe.each(ENGINES)("BuildKit build steps on %s", (_name, start) => {
  let engine: EngineUnderTest;
  let limiter: BuildkitLimiter;
  let cgroup: BuildkitCgroup;
  const built: string[] = [];

  /** Builds FROM the stand-in with one RUN of `python -c <script>` (never cached: a fresh nonce each time). */
  const buildRunning = async (script: string, timeoutMs = 120_000, ...args: string[]): Promise<BuildResult> => {
    const pack = tar.pack();
    const nonce = randomBytes(8).toString("hex");
    const argv = JSON.stringify(["python", "-c", script, ...args]);
    pack.entry({ name: "Dockerfile" }, `FROM ${BASE}\nARG NONCE=${nonce}\nRUN ${argv}\n`);
    pack.finalize();
    const result = await buildImage(engine.docker, {
      builder: "buildkit",
      context: pack as unknown as Readable,
      tags: [`lab-grader-test/buildkit-sandbox:${nonce}`],
      timeoutMs,
    });
    if (result.imageId) built.push(result.imageId);
    return result;
  };

  beforeAll(async () => {
    engine = await start();
    const sandbox = await startBuildkitSandbox(engine.docker, BASE, LIMITS, {});
    if (!sandbox.ok) throw new Error(`BuildKit cannot be capped on this engine: ${sandbox.reason}`);
    limiter = sandbox.limiter;
    cgroup = sandbox.cgroup;
  }, 300_000);

  afterAll(async () => {
    limiter?.stop();
    for (const id of built)
      await engine.docker
        .getImage(id)
        .remove({ force: true })
        .catch(() => undefined);
    await engine?.stop();
  }, 120_000);

  it("lets a step use memory under its limit, and kills one that goes past it", async () => {
    const small = await buildRunning("x = bytearray(32 * 1024 * 1024); print('allocated', len(x))");
    expect({ ok: small.ok, error: small.error }).toEqual({ ok: true, error: undefined });
    const large = await buildRunning("x = bytearray(400 * 1024 * 1024); print('allocated', len(x))");
    expect(large.ok).toBe(false);
    expect(large.error).toMatch(/exit code: 137/);
    expect(large.log).not.toMatch(/allocated 419430400/);
  }, 300_000);

  it("bounds a fork storm by the pids limit", async () => {
    const storm = await buildRunning(
      "import subprocess\nps = []\ntry:\n    for i in range(200): ps.append(subprocess.Popen(['sleep', '30']))\n" +
        "except OSError as e: print('stopped at', len(ps), type(e).__name__)\nelse: print('started', len(ps))\nfor p in ps: p.kill()",
    );
    const stoppedAt = /stopped at (\d+) (BlockingIOError|OSError)/.exec(storm.log);
    expect({ log: storm.log.slice(-600), stopped: stoppedAt !== null }).toMatchObject({ stopped: true });
    expect(Number(stoppedAt![1])).toBeLessThan(LIMITS.pids);
  }, 300_000);

  it("holds a step to its CPU quota, however many processes it runs", async () => {
    const spin =
      "import multiprocessing, os, time\n" +
      "def spin():\n    end = time.time() + 4\n    while time.time() < end: pass\n" +
      "start = time.time()\nps = [multiprocessing.Process(target=spin) for _ in range(2)]\n[p.start() for p in ps]\n[p.join() for p in ps]\n" +
      "t = os.times()\nprint('cpu-per-wall %.2f' % ((t.children_user + t.children_system) / (time.time() - start)))";
    const result = await buildRunning(spin);
    const ratio = Number(/cpu-per-wall ([\d.]+)/.exec(result.log)?.[1]);
    expect({ ok: result.ok, ratio: Number.isFinite(ratio) }).toEqual({ ok: true, ratio: true });
    // Uncapped, two spinning processes on this 2-CPU machine get close to 2.
    expect(ratio).toBeLessThan(LIMITS.cpus * 1.5);
  }, 300_000);

  it("stops a step that outlives the build timeout, and leaves nothing of it running", async () => {
    const marker = `lab-grader-sleeper-${randomBytes(6).toString("hex")}`;
    const building = buildRunning("import time; time.sleep(600)", 10_000, marker);
    let seen = false;
    for (const until = Date.now() + 10_000; !seen && Date.now() < until; await new Promise((r) => setTimeout(r, 100)))
      seen = processesWith(marker).length > 0;
    const result = await building;
    expect({ seen, ok: result.ok, timedOut: result.timedOut }).toEqual({ seen: true, ok: false, timedOut: true });
    const deadline = Date.now() + 15_000;
    while (processesWith(marker).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(processesWith(marker)).toEqual([]);
  }, 300_000);

  it("finds the probe's step among this machine's processes and reads its cgroup from outside, as on cgroup v2 it must", async () => {
    const probed = await probeBuildkitCgroup(engine.docker, BASE, {});
    expect(probed).toMatchObject({ ok: true, stepFound: true, cgroup: { parent: cgroup.parent, shared: false } });
  }, 120_000);

  it("where the steps' parent is shared (systemd's slice), measures each step and can stop it, but freezes none", async () => {
    // Freezing a step through its own cgroup is what runc takes for a paused container: measured here on Docker
    // 28, two builds of three failed with "cannot delete container … that is not stopped: paused" (docs/buildkit.md).
    // Here (cgroupfs) the guard is told the parent is shared; steps that end by the dozen must all still build.
    const asked: { freeze: string[]; processes: string[] }[] = [];
    const guard: DiskGuard = {
      track(work) {
        let tracking = true;
        void (async () => {
          while (tracking) {
            const cgroups = work.cgroups!();
            if (cgroups.processes.length) asked.push(cgroups);
            const frozen = await freezeCgroups(cgroups.freeze, 500);
            await sleep(5);
            frozen.thaw();
            await sleep(2);
          }
        })();
        return () => (tracking = false);
      },
    };
    const results: BuildResult[] = [];
    for (let i = 0; i < 3; i++) {
      const pack = tar.pack();
      const nonce = randomBytes(8).toString("hex");
      const shortSteps = Array.from({ length: 8 }, (_, n) => `RUN echo ${n} > /step-${n}`).join("\n");
      pack.entry(
        { name: "Dockerfile" },
        `FROM ${BASE}\nARG NONCE=${nonce}\nRUN for i in $(seq 1 500); do /bin/true; done; sleep 1; head -c 8000000 /dev/zero > /written\n${shortSteps}\n`,
      );
      pack.finalize();
      const result = await buildImage(engine.docker, {
        builder: "buildkit",
        context: pack as unknown as Readable,
        tags: [`lab-grader-test/buildkit-sandbox:${nonce}`],
        timeoutMs: 180_000,
        diskBudgetBytes: 512 * 1024 ** 2,
        diskGuard: guard,
        buildkitSteps: { dir: cgroup.dirs.memory ?? cgroup.dirs.unified, shared: true },
      });
      if (result.imageId) built.push(result.imageId);
      results.push(result);
    }
    expect(results.map((r) => ({ ok: r.ok, error: r.error }))).toEqual(Array(3).fill({ ok: true, error: undefined }));
    const steps = new Set(asked.flatMap((a) => a.processes));
    expect([...steps].filter((dir) => !isStepCgroup(path.basename(dir)))).toEqual([]);
    expect(steps.size).toBeGreaterThanOrEqual(3);
    expect(asked.filter((a) => a.freeze.length)).toEqual([]);
  }, 600_000);

  it("limited every step it saw, and found none past its limits on arrival", () => {
    expect(limiter.limited.length).toBeGreaterThanOrEqual(4);
    expect(limiter.limited.filter((step) => !step.withinLimits || step.error)).toEqual([]);
  });
});
