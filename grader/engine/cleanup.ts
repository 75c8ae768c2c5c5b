import { processAlive } from "../common/process-alive";
import { hostname } from "node:os";
import type { Engine } from "./client";
import { LABELS } from "./labels";

export interface SweepResult {
  containers: number;
  networks: number;
  images: number;
}

/**
 * Removes what graders on this host left behind when they died (crash, kill -9, a stopped CI job): containers,
 * networks and images whose owner label names this host and a process that no longer runs. Other live runs,
 * and other hosts' runs on a shared engine, are left alone.
 */
export async function sweepDeadRuns(engine: Engine): Promise<SweepResult> {
  const dead = (labels: Record<string, string> | undefined): boolean => {
    const owner = labels?.[LABELS.owner];
    return owner !== undefined && ownerIsDead(owner);
  };
  const filters = { label: [LABELS.owner] };
  const containers = (await engine.docker.listContainers({ all: true, filters })).filter((c) => dead(c.Labels));
  for (const c of containers)
    await engine.docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  const networks = (await engine.docker.listNetworks({ filters })).filter((n) => dead(n.Labels));
  for (const n of networks)
    await engine.docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  const images = (await engine.docker.listImages({ filters })).filter((i) => dead(i.Labels ?? undefined));
  for (const i of images)
    await engine.docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => undefined);
  return { containers: containers.length, networks: networks.length, images: images.length };
}

/** Everything a run created that is still there (for tests and the final check of a run). */
export async function leftoversOfRun(engine: Engine, runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = { label: [`${LABELS.run}=${runId}`] };
  const containers = (await engine.docker.listContainers({ all: true, filters })).map((c) => c.Id);
  const networks = (await engine.docker.listNetworks({ filters })).map((n) => n.Name);
  return { containers, networks };
}

/** Whether an owner label (`host:pid`) names a grader on this host that no longer runs. */
export function ownerIsDead(owner: string): boolean {
  const [host, pid] = [owner.slice(0, owner.lastIndexOf(":")), Number(owner.slice(owner.lastIndexOf(":") + 1))];
  return host === hostname() && pid > 0 && !processAlive(pid);
}
