import { withTimeout } from "../common/duration";
import { freezeCgroups, type Frozen } from "../engine/cgroup-freezer";
import type { DiskGuard, TrackedWork } from "../engine/disk-watch";

/** Leave to write to the engine's disk for one phase of one submission (a build, or a run with its inspection). */
export interface FloorTicket extends DiskGuard {
  /** Set when the floor stopped this ticket's work: the reason, for a grader error. */
  readonly interrupted?: string;
  release(): void;
}

/** Thrown when a submission cannot be graded for lack of free space on the engine: the run stops with exit 3. */
export class DiskFloorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiskFloorError";
  }
}

export interface FloorSettings {
  /** The engine's free bytes now; undefined when they cannot be read (a remote engine): then nothing is held back. */
  measure?: () => number;
  floorBytes: number;
  /** What one phase of one submission may write (sandbox.diskBudgetMb). */
  budgetBytes: number;
  /**
   * Bytes this machine's page cache has taken as writes so far (see page-cache.ts): space freed while a work
   * writes hides as much of its writes from the free space, not from this. Undefined where it cannot be read.
   */
  dirtied?: () => number | undefined;
  /** How often the free space is read while work is under way. */
  everyMs?: number;
  /** Freezes cgroups (the machine's freezer; a fake in unit tests). */
  freeze?: (dirs: string[]) => Promise<Frozen>;
  /**
   * Frees what the grader kept from earlier runs (see engine/kept-build-cache.ts) when nothing under way would
   * free room for the next submission, until `neededBytes` are free; true when it freed something, and the room
   * is looked at again.
   */
  makeRoom?: (neededBytes: number) => Promise<boolean>;
}

/** What the guard saw of its own reactions in a run (results.json `engine.diskGuard`). */
export interface DiskGuardFigures {
  /** How often every work was frozen and measured. */
  checks: number;
  /**
   * The most a work frozen by a check could have been past its budget when the freeze held: what it had written at
   * its last check plus the fall of the free space (or the machine's dirtied bytes, where more) since then, less
   * its budget.
   */
  largestUncheckedBytes: number;
  /** The longest wait for a freeze to take hold. */
  slowestFreezeMs: number;
  /** The longest gap between two reads of the free space (the timer is late when the machine is busy). */
  longestReadGapMs: number;
  /** The fastest fall of the free space between two reads, in bytes a second (short reads make it noisy). */
  fastestFallBytesPerSecond: number;
}

interface Ticket extends FloorTicket {
  works: Map<TrackedWork, Baseline>;
  /** Where the disk stood when the ticket was given: a work it tracks counts from there (it may have written before). */
  since: Baseline;
  interrupted?: string;
}

/**
 * Where a work stood at its last check: the free space then (raised when space is freed), the machine's dirtied
 * bytes then, and what it had written.
 */
interface Baseline {
  free: number;
  dirtied?: number;
  written: number;
}

/** Where the disk stands now. */
interface DiskNow {
  free: number;
  dirtied?: number;
}

/** How often the free space is read while work is under way. */
export const READ_EVERY_MS = 10;
/** The longest a check keeps work frozen while it waits for the measurements. */
const MEASURE_WAIT_MS = 5000;
/**
 * The reaction time the room above the floor is kept for: from a fall to every writer frozen — a read every 10 ms
 * (later on a busy machine) and the freeze, which takes hold within milliseconds.
 */
export const REACTION_MS = 100;
/**
 * The write speed that room is kept for: buffered writes land in the page cache first, which took them at up to
 * 7 GB/s over a few milliseconds on these machines (results.json says what a run saw).
 */
export const ASSUMED_WRITE_BYTES_PER_SECOND = 4 * 1024 ** 3;

/** The room on the engine's disk a run needs to grade its first submission: the floor, one budget, the overshoot allowance. */
export function roomToStartBytes(sandbox: { diskFloorMb: number; diskBudgetMb: number }): number {
  return (sandbox.diskFloorMb + sandbox.diskBudgetMb) * 1024 ** 2 + overshootAllowance();
}

/**
 * The most the writes of all work under way can pass their budgets by, together, before the writers are frozen:
 * what is written, at `bytesPerSecond`, within the reaction time.
 */
export function overshootAllowance(bytesPerSecond = ASSUMED_WRITE_BYTES_PER_SECOND): number {
  return Math.ceil((bytesPerSecond * REACTION_MS) / 1000);
}

/**
 * The most a work can have written by now: what it had at its last check, and every byte the disk lost since — or,
 * where more, every byte the machine's page cache took as writes since (which space freed meanwhile does not hide).
 */
function reach(baseline: Baseline, now: DiskNow): number {
  const dirtied = baseline.dirtied === undefined || now.dirtied === undefined ? 0 : now.dirtied - baseline.dirtied;
  return baseline.written + Math.max(baseline.free - now.free, dirtied);
}

/** A work that could have reached its budget by now: one that is watched, and not already stopped. */
const couldBePast = (work: TrackedWork, baseline: Baseline, now: DiskNow): boolean =>
  !!work.watch && !work.watch.exceeded() && reach(baseline, now) >= work.watch.budgetBytes;

const mib = (bytes: number): string => `${Math.max(0, Math.round(bytes / 1024 ** 2))} MiB`;

/**
 * Keeps the engine's free space above a floor (sandbox.diskFloorMb):
 * - a build or run starts only when the engine has room, above the floor, for its whole disk budget and for that
 *   of every build and run already under way, plus the overshoot allowance — otherwise it waits for them to end
 *   and clean up;
 * - when it is still short with nothing under way, no more can be freed by waiting: this and every later
 *   submission fail with DiskFloorError (the run ends with exit 3, and --resume grades them later);
 * - while work is under way the free space is read every `everyMs`. A work that could have reached its budget —
 *   what it had written at its last check plus all the free space has fallen since (or all the machine's page
 *   cache took as writes since, where more: space freed meanwhile hides writes from the free space) — is checked:
 *   its processes are frozen, it is measured (past its budget it is stopped: its processes are killed before they
 *   are thawed), and it is thawed. So what a work writes past its budget is at most what is written between the
 *   read that finds it could be there and the freeze — the overshoot allowance, which the room kept above the
 *   floor includes — and a work far from its budget is never paused. Under the floor, every work is checked; if the free
 *   space is still under it (the engine's own writes, a writer faster than the allowance assumes), all work under
 *   way is stopped and its submissions are left ungraded (their tickets say why).
 */
export class DiskFloor {
  private readonly inFlight = new Set<Ticket>();
  private readonly waiting: (() => void)[] = [];
  private admitting: Promise<unknown> = Promise.resolve();
  private failed?: string;
  private timer?: NodeJS.Timeout;
  /** The least free space read while work was under way. */
  lowestFreeBytes?: number;
  readonly figures: DiskGuardFigures = {
    checks: 0,
    largestUncheckedBytes: 0,
    slowestFreezeMs: 0,
    longestReadGapMs: 0,
    fastestFallBytesPerSecond: 0,
  };
  private last?: { free: number; at: number };
  /** Works a check has frozen or is measuring: the reads go on meanwhile, for the others. */
  private readonly checking = new Set<TrackedWork>();

  constructor(private readonly settings: FloorSettings) {}

  /** Waits until this submission's phase may start; throws DiskFloorError when it never can. */
  admit(): Promise<FloorTicket> {
    // One at a time, so that each admission counts those before it.
    const next = this.admitting.then(() => this.admitOne());
    this.admitting = next.catch(() => undefined);
    return next;
  }

  private reserved(works: number): number {
    return this.settings.floorBytes + this.settings.budgetBytes * works + overshootAllowance();
  }

  private async admitOne(): Promise<FloorTicket> {
    const { measure, floorBytes, budgetBytes } = this.settings;
    for (;;) {
      if (this.failed) throw new DiskFloorError(this.failed);
      if (!measure) return this.ticket();
      const free = measure();
      const needed = this.reserved(this.inFlight.size + 1);
      if (free >= needed) return this.ticket();
      if (this.inFlight.size === 0) {
        if (await this.settings.makeRoom?.(needed).catch(() => false)) continue;
        this.failed =
          `the engine's disk has ${mib(free)} free; grading a submission needs ${mib(needed)} (the floor, ${mib(floorBytes)}, plus its disk budget, ` +
          `${mib(budgetBytes)}, plus ${mib(overshootAllowance())} for what writers can write before they are stopped), and nothing running would free more. ` +
          "Free space on the engine's disk (for example `docker system prune`), then grade again: `grade --resume` keeps the grades already made";
        throw new DiskFloorError(this.failed);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private diskNow(): DiskNow {
    return { free: this.settings.measure?.() ?? 0, dirtied: this.settings.dirtied?.() };
  }

  private ticket(): Ticket {
    const ticket: Ticket = {
      works: new Map(),
      since: { ...this.diskNow(), written: 0 },
      track: (work) => {
        if (ticket.interrupted) work.stop();
        // Counted from the ticket's start: a container writes from its first instant, before it is tracked here
        ticket.works.set(work, { ...ticket.since, written: work.watch?.lastWritten() ?? 0 });
        return () => ticket.works.delete(work);
      },
      release: () => {
        if (!this.inFlight.delete(ticket)) return;
        for (const wake of this.waiting.splice(0)) wake();
        if (!this.inFlight.size) this.stopReading();
      },
    };
    this.inFlight.add(ticket);
    if (this.settings.measure && !this.timer) {
      this.last = { free: this.settings.measure(), at: Date.now() };
      this.scheduleRead();
    }
    return ticket;
  }

  private scheduleRead(): void {
    this.timer = setTimeout(() => void this.read(), this.settings.everyMs ?? READ_EVERY_MS);
  }

  private stopReading(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private read(): void {
    this.timer = undefined;
    this.readOnce();
    if (this.inFlight.size) this.scheduleRead();
    else this.stopReading();
  }

  private readOnce(): void {
    const { floorBytes } = this.settings;
    const now = this.diskNow();
    const free = now.free;
    const at = Date.now();
    const figures = this.figures;
    if (this.last) {
      const gap = at - this.last.at;
      figures.longestReadGapMs = Math.max(figures.longestReadGapMs, gap);
      if (gap > 0) figures.fastestFallBytesPerSecond = Math.max(figures.fastestFallBytesPerSecond, ((this.last.free - free) * 1000) / gap);
    }
    const works = this.works();
    for (const baseline of [...works.map((w) => w.baseline), ...[...this.inFlight].map((t) => t.since)])
      baseline.free = Math.max(baseline.free, free);
    const suspects = (free < floorBytes ? works : works.filter(({ work, baseline }) => couldBePast(work, baseline, now))).filter(
      ({ work }) => !this.checking.has(work),
    );
    // Not waited for: while one work is measured (a layer walk can take seconds), the others are watched as before
    if (suspects.length)
      this.check(suspects).catch((error: Error) => console.error(`warning: the disk guard could not check a build or container: ${error.message}`));
    this.lowestFreeBytes = Math.min(this.lowestFreeBytes ?? free, free);
    this.last = { free, at: Date.now() };
  }

  private works(): { work: TrackedWork; baseline: Baseline; ticket: Ticket }[] {
    return [...this.inFlight].flatMap((ticket) => [...ticket.works].map(([work, baseline]) => ({ work, baseline, ticket })));
  }

  /** Freezes `works`, measures each (stopping those past their budgets), and thaws the rest. */
  private async check(works: { work: TrackedWork; baseline: Baseline; ticket: Ticket }[]): Promise<void> {
    for (const { work } of works) this.checking.add(work);
    try {
      await this.freezeAndMeasure(works);
    } finally {
      for (const { work } of works) this.checking.delete(work);
    }
  }

  private async freezeAndMeasure(works: { work: TrackedWork; baseline: Baseline; ticket: Ticket }[]): Promise<void> {
    const cgroupsOf = new Map(works.map(({ work }) => [work, work.cgroups?.() ?? { freeze: [], processes: [] }]));
    const frozen = await (this.settings.freeze ?? freezeCgroups)([...cgroupsOf.values()].flatMap((c) => c.freeze));
    try {
      // What is written from here on counts towards the next check: read while everything is still frozen
      const frozenAt = this.diskNow();
      const figures = this.figures;
      figures.checks++;
      figures.slowestFreezeMs = Math.max(figures.slowestFreezeMs, frozen.ms);
      for (const { work, baseline } of works) {
        if (work.watch) figures.largestUncheckedBytes = Math.max(figures.largestUncheckedBytes, reach(baseline, frozenAt) - work.watch.budgetBytes);
      }
      // A measurement the engine does not answer must not keep everything frozen: past a few seconds, thawed as is
      await withTimeout(Promise.all(works.map(({ work }) => work.watch?.measureNow())), MEASURE_WAIT_MS, "").catch(() => undefined);
      const free = this.settings.measure!();
      if (free < this.settings.floorBytes) this.interruptAll(free);
      frozen.kill(
        works.filter(({ work, ticket }) => work.watch?.exceeded() || ticket.interrupted).flatMap(({ work }) => cgroupsOf.get(work)!.processes),
      );
      for (const { work, baseline } of works) Object.assign(baseline, { ...frozenAt, written: work.watch?.lastWritten() ?? 0 });
    } finally {
      frozen.thaw();
    }
  }

  private interruptAll(free: number): void {
    for (const ticket of this.inFlight) {
      if (ticket.interrupted) continue;
      ticket.interrupted =
        `the engine's disk fell to ${mib(free)} free, under the floor of ${mib(this.settings.floorBytes)}, while this submission was graded, ` +
        "so its work was stopped; grade it again once there is room (`grade --resume` grades only what is missing)";
      for (const work of ticket.works.keys()) work.stop();
    }
  }
}
