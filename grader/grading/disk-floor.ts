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
}

interface Ticket extends FloorTicket {
  works: Set<TrackedWork>;
  interrupted?: string;
}

/** A fall of the free space between two reads (100 ms apart) that has the watches measure at once: 320 MB/s. */
const FAST_FALL_BYTES = 32 * 1024 ** 2;

const mib = (bytes: number): string => `${Math.max(0, Math.round(bytes / 1024 ** 2))} MiB`;

/**
 * Keeps the engine's free space above a floor (sandbox.diskFloorMb):
 * - a build or run starts only when the engine has room, above the floor, for its whole disk budget and for that
 *   of every build and run already under way — otherwise it waits for them to end and clean up;
 * - when it is still short with nothing under way, no more can be freed by waiting: this and every later
 *   submission fail with DiskFloorError (the run ends with exit 3, and --resume grades them later);
 * - while work is under way the free space is read every `everyMs`: once the room reserved for the budgets is
 *   being used up, every running watch measures at once (so a fast writer is stopped at its budget within one
 *   read, not one second) — and so they do whenever the free space fell fast since the last read (something
 *   writes more than FAST_FALL_BYTES a read); if the free space is still under the floor, all work under way is
 *   stopped and its submissions are left ungraded (their tickets say why).
 */
export class DiskFloor {
  private readonly inFlight = new Set<Ticket>();
  private readonly waiting: (() => void)[] = [];
  private admitting: Promise<unknown> = Promise.resolve();
  private failed?: string;
  private timer?: NodeJS.Timeout;
  /** The least free space read while work was under way. */
  lowestFreeBytes?: number;
  private lastFreeBytes?: number;

  constructor(private readonly settings: FloorSettings) {}

  /** Waits until this submission's phase may start; throws DiskFloorError when it never can. */
  admit(): Promise<FloorTicket> {
    // One at a time, so that each admission counts those before it.
    const next = this.admitting.then(() => this.admitOne());
    this.admitting = next.catch(() => undefined);
    return next;
  }

  private async admitOne(): Promise<FloorTicket> {
    const { measure, floorBytes, budgetBytes } = this.settings;
    for (;;) {
      if (this.failed) throw new DiskFloorError(this.failed);
      if (!measure) return this.ticket();
      const free = measure();
      const needed = floorBytes + budgetBytes * (this.inFlight.size + 1);
      if (free >= needed) return this.ticket();
      if (this.inFlight.size === 0) {
        this.failed =
          `the engine's disk has ${mib(free)} free; grading a submission needs ${mib(needed)} (the floor, ${mib(floorBytes)}, plus its disk budget, ` +
          `${mib(budgetBytes)}), and nothing running would free more. Free space on the engine's disk (for example \`docker system prune\`), ` +
          "then grade again: `grade --resume` keeps the grades already made";
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
    if (this.settings.measure && !this.timer) this.scheduleRead();
    return ticket;
  }

  private scheduleRead(): void {
    this.timer = setTimeout(() => void this.read(), this.settings.everyMs ?? 100);
  }

  private stopReading(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFreeBytes = undefined;
  }

  private async read(): Promise<void> {
    const { measure, floorBytes, budgetBytes } = this.settings;
    let free = measure!();
    const fellFast = this.lastFreeBytes !== undefined && this.lastFreeBytes - free >= FAST_FALL_BYTES;
    if (fellFast || free < floorBytes + budgetBytes * (this.inFlight.size + 1)) {
      const watches = [...this.inFlight].flatMap((t) => [...t.works].flatMap((w) => (w.watch ? [w.watch] : [])));
      await Promise.all(watches.map((w) => w.measureNow()));
      free = measure!();
      if (free < floorBytes) this.interruptAll(free);
    }
    this.lowestFreeBytes = Math.min(this.lowestFreeBytes ?? free, free);
    this.lastFreeBytes = free;
    if (this.inFlight.size) this.scheduleRead();
    else {
      this.timer = undefined;
      this.lastFreeBytes = undefined;
    }
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
