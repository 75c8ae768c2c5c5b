import { hostname } from "node:os";
import { connectEngine } from "../../grader/engine/client";
import { sweepDeadRuns } from "../../grader/engine/cleanup";
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
