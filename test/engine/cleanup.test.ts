import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import { buildImage } from "../../grader/engine/build";
import { buildCacheAdded, markBuildCache, sweepDeadRunsBuildCache, takeBuildCacheMark } from "../../grader/engine/buildkit-cache";
import { keptCacheOf } from "../../grader/engine/kept-build-cache";
import { connectEngine } from "../../grader/engine/client";
import { sweepDeadRuns } from "../../grader/engine/cleanup";
import { ContainerCgroups, freezeCgroups } from "../../grader/engine/cgroup-freezer";
import { LABELS, ownerLabel } from "../../grader/engine/labels";

/** A pid that cannot be running: above the kernel's pid_max. */
const DEAD_PID = 4_194_305;

describe("sweepDeadRuns", () => {
  it("removes the containers and networks of a dead grader on this host, and keeps those of live ones", async () => {
    const engine = await connectEngine();
    const image = "python:3.9-slim";
    const dead = { [LABELS.owner]: `${hostname()}:${DEAD_PID}`, [LABELS.run]: "crashed-run" };
    const live = { [LABELS.owner]: ownerLabel(), [LABELS.run]: "live-run" };
    const otherHost = { [LABELS.owner]: `another-host:${DEAD_PID}`, [LABELS.run]: "remote-run" };
    const make = (labels: Record<string, string>) => engine.docker.createContainer({ Image: image, Cmd: ["true"], Labels: labels });
    const [deadContainer, liveContainer, remoteContainer] = await Promise.all([make(dead), make(live), make(otherHost)]);
    const deadNetwork = await engine.docker.createNetwork({ Name: `lab-grader-test-crashed-${process.pid}`, Internal: true, Labels: dead });
    try {
      await sweepDeadRuns(engine);
      const remaining = (await engine.docker.listContainers({ all: true, filters: { label: [LABELS.owner] } })).map((c) => c.Id);
      expect(remaining).not.toContain(deadContainer.id);
      expect(remaining).toContain(liveContainer.id);
      expect(remaining).toContain(remoteContainer.id);
      const networks = (await engine.docker.listNetworks({ filters: { label: [LABELS.owner] } })).map((n) => n.Id);
      expect(networks).not.toContain(deadNetwork.id);
    } finally {
      for (const c of [deadContainer, liveContainer, remoteContainer]) await c.remove({ force: true }).catch(() => undefined);
      await deadNetwork.remove().catch(() => undefined);
    }
  });
});

// A grader killed while its disk guard held a container frozen leaves it frozen: the engine still removes it
// (runc thaws a frozen cgroup before it kills), so the sweep needs nothing more.
describe("sweepDeadRuns and a container a dead grader left frozen", () => {
  it("removes it all the same", async () => {
    const engine = await connectEngine();
    const dead = { [LABELS.owner]: `${hostname()}:${DEAD_PID}`, [LABELS.run]: "crashed-while-frozen" };
    const container = await engine.docker.createContainer({ Image: "python:3.9-slim", Cmd: ["sleep", "300"], Labels: dead });
    try {
      await container.start();
      const cgroup = new ContainerCgroups().find(container.id);
      expect(cgroup).toBeDefined();
      expect((await freezeCgroups([cgroup!])).all).toBe(true); // and never thawed: the grader "died"
      await sweepDeadRuns(engine);
      const remaining = (await engine.docker.listContainers({ all: true, filters: { label: [LABELS.owner] } })).map((c) => c.Id);
      expect(remaining).not.toContain(container.id);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }, 120_000);
});

describe("sweepDeadRunsBuildCache", () => {
  it("prunes the BuildKit cache a dead grader's run added on this engine, and leaves a live run's and another engine's notes alone", async () => {
    const engine = await connectEngine();
    const { engineId } = keptCacheOf(engine.docker, await engine.docker.info());
    const runs = mkdtempSync(path.join(tmpdir(), "lab-grader-runs-"));
    const mark = await takeBuildCacheMark(engine.docker);
    const dead = (dir: string, fields: object) => {
      mkdirSync(path.join(runs, dir));
      const note = { owner: `${hostname()}:${DEAD_PID}`, since: mark.since.toISOString(), before: [...mark.before], ...fields };
      writeFileSync(path.join(runs, dir, "buildkit-cache-before.json"), JSON.stringify(note));
    };
    dead("crashed", { engine: engineId });
    dead("crashed-elsewhere", { engine: "another-engine" });
    dead("crashed-long-ago", {});
    mkdirSync(path.join(runs, "live"));
    markBuildCache(path.join(runs, "live"), mark, engineId);
    // What the crashed run built: a BuildKit build no cache has seen
    const pack = tar.pack();
    pack.entry({ name: "Dockerfile" }, `FROM python:3.9-slim\nRUN echo ${randomBytes(8).toString("hex")} > /nonce\n`);
    pack.finalize();
    const built = await buildImage(engine.docker, {
      builder: "buildkit",
      context: pack as unknown as Readable,
      tags: [`lab-grader-test/crashed:${process.pid}`],
      timeoutMs: 120_000,
    });
    expect(built.ok).toBe(true);
    await engine.docker.getImage(built.imageId!).remove({ force: true });
    expect((await buildCacheAdded(engine.docker, mark)).length).toBeGreaterThan(0);

    expect(await sweepDeadRunsBuildCache(engine.docker, runs, engineId)).toBe(1);
    expect(await buildCacheAdded(engine.docker, mark)).toEqual([]);
    expect(existsSync(path.join(runs, "crashed", "buildkit-cache-before.json"))).toBe(false);
    // A note naming no engine could be any engine's: dropped, nothing pruned for it
    expect(existsSync(path.join(runs, "crashed-long-ago", "buildkit-cache-before.json"))).toBe(false);
    expect(existsSync(path.join(runs, "crashed-elsewhere", "buildkit-cache-before.json"))).toBe(true);
    expect(existsSync(path.join(runs, "live", "buildkit-cache-before.json"))).toBe(true);
  }, 300_000);
});
