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
  /** How often the free space is read while work is under way. */
  everyMs?: number;
  /** Freezes cgroups (the machine's freezer; a fake in unit tests). */
  freeze?: (dirs: string[]) => Promise<Frozen>;
}

/** What the guard saw of its own reactions in a run (results.json `engine.diskGuard`). */
export interface DiskGuardFigures {
  /** How often every work was frozen and measured. */
  checks: number;
  /** The most the free space fell between two checks, counted until every work was frozen: what no watch saw. */
  largestUncheckedBytes: number;
  /** The longest wait for a freeze to take hold. */
  slowestFreezeMs: number;
  /** The longest gap between two reads of the free space (the timer is late when the machine is busy). */
  longestReadGapMs: number;
  /** The fastest fall of the free space between two reads, in bytes a second (short reads make it noisy). */
  fastestFallBytesPerSecond: number;
}

interface Ticket extends FloorTicket {
  works: Set<TrackedWork>;
  interrupted?: string;
}

/** A fall of the free space since every work was last measured that has them all frozen and measured again. */
export const CHECK_EVERY_BYTES = 64 * 1024 ** 2;
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

/**
 * The most the writes of all work under way can pass their budgets by, together, before every writer is frozen:
 * the fall that triggers a check plus what is written, at `bytesPerSecond`, within the reaction time.
 */
export function overshootAllowance(bytesPerSecond = ASSUMED_WRITE_BYTES_PER_SECOND): number {
  return CHECK_EVERY_BYTES + Math.ceil((bytesPerSecond * REACTION_MS) / 1000);
}

const mib = (bytes: number): string => `${Math.max(0, Math.round(bytes / 1024 ** 2))} MiB`;

/**
 * Keeps the engine's free space above a floor (sandbox.diskFloorMb):
 * - a build or run starts only when the engine has room, above the floor, for its whole disk budget and for that
 *   of every build and run already under way, plus the overshoot allowance — otherwise it waits for them to end
 *   and clean up;
 * - when it is still short with nothing under way, no more can be freed by waiting: this and every later
 *   submission fail with DiskFloorError (the run ends with exit 3, and --resume grades them later);
 * - while work is under way the free space is read every `everyMs`. Whenever it has fallen by CHECK_EVERY_BYTES
 *   since the last check (or is under the floor), every work's processes are frozen, every work is measured (a
 *   work past its budget is stopped: its processes are killed before they are thawed), and the rest are thawed.
 *   So what any work writes past its budget, and all of them together past theirs, is at most what falls between
 *   two checks until the freeze holds — the overshoot allowance, which the room kept above the floor includes. If
 *   the free space is under the floor all the same (the engine's own writes, a writer faster than the allowance
 *   assumes), all work under way is stopped and its submissions are left ungraded (their tickets say why).
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
  /** The free space when every work was last measured (raised when space is freed meanwhile). */
  private checkedFree?: number;
  /** A read (and maybe a check) is under way: the next is scheduled when it ends. */
  private reading = false;

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
        this.failed =
          `the engine's disk has ${mib(free)} free; grading a submission needs ${mib(needed)} (the floor, ${mib(floorBytes)}, plus its disk budget, ` +
          `${mib(budgetBytes)}, plus ${mib(overshootAllowance())} for what writers can write before they are stopped), and nothing running would free more. ` +
          "Free space on the engine's disk (for example `docker system prune`), then grade again: `grade --resume` keeps the grades already made";
        throw new DiskFloorError(this.failed);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private ticket(): Ticket {
    const ticket: Ticket = {
      works: new Set(),
      track: (work) => {
        if (ticket.interrupted) work.stop();
        ticket.works.add(work);
        return () => ticket.works.delete(work);
      },
      release: () => {
        if (!this.inFlight.delete(ticket)) return;
        for (const wake of this.waiting.splice(0)) wake();
        if (!this.inFlight.size) this.stopReading();
      },
    };
    this.inFlight.add(ticket);
    if (this.settings.measure && !this.timer && !this.reading) {
      const free = this.settings.measure();
      this.last = { free, at: Date.now() };
      this.checkedFree = free;
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
    // A read under way still needs them; it stops reading itself when it ends
    if (!this.reading) this.last = this.checkedFree = undefined;
  }

  private async read(): Promise<void> {
    this.timer = undefined;
    this.reading = true;
    try {
      await this.readOnce();
    } finally {
      this.reading = false;
    }
    if (this.inFlight.size) this.scheduleRead();
    else this.stopReading();
  }

  private async readOnce(): Promise<void> {
    const { measure, floorBytes } = this.settings;
    let free = measure!();
    const at = Date.now();
    const figures = this.figures;
    if (this.last) {
      const gap = at - this.last.at;
      figures.longestReadGapMs = Math.max(figures.longestReadGapMs, gap);
      if (gap > 0) figures.fastestFallBytesPerSecond = Math.max(figures.fastestFallBytesPerSecond, ((this.last.free - free) * 1000) / gap);
    }
    this.checkedFree = Math.max(this.checkedFree ?? free, free);
    if (this.checkedFree - free >= CHECK_EVERY_BYTES || free < floorBytes) free = await this.check();
    this.lowestFreeBytes = Math.min(this.lowestFreeBytes ?? free, free);
    this.last = { free, at: Date.now() };
  }

  /** Freezes every work, measures each (stopping those past their budgets), thaws the rest; returns the free space. */
  private async check(): Promise<number> {
    const measure = this.settings.measure!;
    const works = [...this.inFlight].flatMap((t) => [...t.works].map((work) => ({ work, ticket: t })));
    const cgroupsOf = new Map(works.map(({ work }) => [work, work.cgroups?.() ?? { freeze: [], processes: [] }]));
    const frozen = await (this.settings.freeze ?? freezeCgroups)([...cgroupsOf.values()].flatMap((c) => c.freeze));
    // What is written from here on counts towards the next check: read while everything is still frozen
    let free = measure();
    try {
      const figures = this.figures;
      figures.checks++;
      figures.slowestFreezeMs = Math.max(figures.slowestFreezeMs, frozen.ms);
      figures.largestUncheckedBytes = Math.max(figures.largestUncheckedBytes, this.checkedFree! - free);
      // A measurement the engine does not answer must not keep everything frozen: past a few seconds, thawed as is
      await withTimeout(Promise.all(works.map(({ work }) => work.watch?.measureNow())), MEASURE_WAIT_MS, "").catch(() => undefined);
      free = measure();
      if (free < this.settings.floorBytes) this.interruptAll(free);
      frozen.kill(
        works.filter(({ work, ticket }) => work.watch?.exceeded() || ticket.interrupted).flatMap(({ work }) => cgroupsOf.get(work)!.processes),
      );
    } finally {
      frozen.thaw();
    }
    this.checkedFree = free;
    return free;
  }

  private interruptAll(free: number): void {
    for (const ticket of this.inFlight) {
      if (ticket.interrupted) continue;
      ticket.interrupted =
        `the engine's disk fell to ${mib(free)} free, under the floor of ${mib(this.settings.floorBytes)}, while this submission was graded, ` +
        "so its work was stopped; grade it again once there is room (`grade --resume` grades only what is missing)";
      for (const work of ticket.works) work.stop();
    }
  }
}
