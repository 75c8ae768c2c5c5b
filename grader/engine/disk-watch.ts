import type Dockerode from "dockerode";
import { ContainerCgroups } from "./cgroup-freezer";

/** What a submission wrote past its disk budget, when a watch stopped it. */
export interface DiskBudgetExceeded {
  writtenBytes: number;
  budgetBytes: number;
  /** The engine's quota also held the writes (a little past the budget: see disk-quota.ts). */
  hardQuota?: boolean;
}

/**
 * A running watch: `measureNow` measures afresh (between its regular polls; after one already under way, which
 * may have started before what it must see) and resolves when that is done.
 */
export interface DiskWatch {
  stop(): void;
  measureNow(): Promise<void>;
  /** True once it found the work past its budget (and stopped it). */
  exceeded(): boolean;
  readonly budgetBytes: number;
  /** What the last measurement found (0 before the first). */
  lastWritten(): number;
}

/** Work whose disk use a run's guard may freeze, check at once or stop (see grading/disk-floor.ts). */
export interface TrackedWork {
  watch?: DiskWatch;
  stop(): void;
  /** Where its processes run now, in this machine's freezer (none where they cannot be found). */
  cgroups?(): WorkCgroups;
}

/**
 * `freeze`: the cgroups to freeze to stop the work's processes — their own, or an ancestor only the engine's
 * BuildKit steps share (see cgroup-freezer.ts for why); `processes`: the cgroups its processes are in, to kill.
 */
export interface WorkCgroups {
  freeze: string[];
  processes: string[];
}

/** Given to a build or run: it registers its work there while it runs; the returned function ends that. */
export interface DiskGuard {
  track(work: TrackedWork): () => void;
}

/**
 * Polls `measure` (bytes written so far) every `everyMs` until stopped; the first time it exceeds the budget,
 * calls `onExceeded` once and stops polling. A measurement that fails (the container just went) is skipped.
 * Engines' storage rarely supports hard quotas on build steps and containers (overlay2 only over xfs with
 * pquota), so this watch is how the budget holds everywhere. Alone, a fast writer passes it by what it writes in
 * one interval; on a local engine the run's DiskFloor freezes and measures a work as soon as the engine's free
 * space has fallen by what is left of its budget, which is what bounds that (docs/disk.md).
 */
export function watchDisk(
  measure: () => Promise<number>,
  budgetBytes: number,
  onExceeded: (exceeded: DiskBudgetExceeded) => void,
  everyMs = 1000,
): DiskWatch {
  let stopped = false;
  let over = false;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let measuring: Promise<void> | undefined;
  const measureOnce = (): Promise<void> =>
    (measuring ??= (async () => {
      const written = await measure().catch(() => undefined);
      if (stopped) return;
      if (written !== undefined) last = written;
      if (written !== undefined && written > budgetBytes) {
        stopped = over = true;
        clearTimeout(timer);
        onExceeded({ writtenBytes: written, budgetBytes });
      }
    })().finally(() => (measuring = undefined)));
  const tick = async (): Promise<void> => {
    await measureOnce();
    if (!stopped) timer = setTimeout(() => void tick(), everyMs);
  };
  timer = setTimeout(() => void tick(), everyMs);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
    measureNow: async () => {
      await measuring;
      if (!stopped) await measureOnce();
    },
    exceeded: () => over,
    budgetBytes,
    lastWritten: () => last,
  };
}

/** The bytes of a container's writable layer, as the engine measures them (`docker inspect --size`). */
export async function writtenByContainer(container: Dockerode.Container): Promise<number> {
  const inspected = (await container.inspect({ size: true } as object)) as { SizeRw?: number };
  return inspected.SizeRw ?? 0;
}

/** A running container's disk limits: its budget, the engine's quota when it has one, the run's guard of the floor. */
export interface ContainerDiskLimits {
  diskBudgetBytes?: number;
  storageSizeBytes?: number;
  diskGuard?: DiskGuard;
}

/** The watch on a running container: it is killed past its budget, or when the run's guard stops it. */
export interface ContainerDiskWatch {
  /** Set once it was killed for writing past its budget. */
  exceeded(): DiskBudgetExceeded | undefined;
  /** Measures at once: what it wrote since the last measurement counts too (under a quota, a writer often exits as it hits it). */
  measureNow(): Promise<void>;
  end(): void;
}

/** Where this machine's containers' cgroups are found, shared so that each search starts where the last one found one. */
const containerCgroups = new ContainerCgroups();

/** The cgroup of a container, looked for until found (a few times: a remote engine's are never here). */
export function containerCgroupOf(id: string): () => WorkCgroups {
  let found: string | undefined;
  let tries = 0;
  return () => {
    if (!found && tries < 3) {
      tries++;
      found = containerCgroups.find(id);
    }
    const own = found ? [found] : [];
    return { freeze: own, processes: own };
  };
}

export function watchContainerDisk(handle: Dockerode.Container, limits: ContainerDiskLimits): ContainerDiskWatch {
  let exceeded: DiskBudgetExceeded | undefined;
  const kill = (): void => void handle.kill().catch(() => undefined);
  const hardQuota = limits.storageSizeBytes !== undefined;
  const watch =
    limits.diskBudgetBytes === undefined
      ? undefined
      : watchDisk(
          () => writtenByContainer(handle),
          limits.diskBudgetBytes,
          (found) => {
            exceeded = hardQuota ? { ...found, hardQuota } : found;
            kill();
          },
        );
  const untrack = limits.diskGuard?.track({ watch, stop: kill, cgroups: containerCgroupOf(handle.id) });
  return {
    exceeded: () => exceeded,
    measureNow: () => watch?.measureNow() ?? Promise.resolve(),
    end: () => {
      untrack?.();
      watch?.stop();
    },
  };
}

/** The budget's words for a message: "wrote 2301 MiB to the engine's disk; the budget is 2048 MiB". */
export function describeExceeded(exceeded: DiskBudgetExceeded): string {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
  const quota = exceeded.hardQuota ? " (a quota the engine enforces)" : "";
  return `wrote ${mib(exceeded.writtenBytes)} to the engine's disk; the budget is ${mib(exceeded.budgetBytes)}${quota}`;
}
