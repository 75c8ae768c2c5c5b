import { ASSUMED_WRITE_BYTES_PER_SECOND, DiskFloor, DiskFloorError, REACTION_MS, overshootAllowance } from "./disk-floor";

const MIB = 1024 ** 2;
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
/** The room kept for what writers write before they are frozen, in MiB. */
const ALLOWANCE = overshootAllowance() / MIB;

/** A fake engine disk (`free` is what the floor reads) and a fake freezer that logs what it is asked. */
function fakeDisk(freeMib: number) {
  const disk = { free: freeMib * MIB, dirtied: 0, reads: 0, events: [] as string[] };
  const floor = new DiskFloor({
    measure: () => {
      disk.reads++;
      return disk.free;
    },
    dirtied: () => disk.dirtied,
    floorBytes: 100 * MIB,
    budgetBytes: 50 * MIB,
    everyMs: 5,
    freeze: async (dirs) => {
      disk.events.push(`freeze ${dirs.join(",")}`);
      return { ms: 1, all: true, kill: (killed) => void disk.events.push(`kill ${killed.join(",")}`), thaw: () => void disk.events.push("thaw") };
    },
  });
  return { disk, floor };
}

/**
 * A tracked work with a 50 MiB budget whose watch logs its measurements; `written` is what the next one finds,
 * and past the budget the watch stops the work.
 */
function loggedWork(disk: { events: string[] }, name: string) {
  const state = { written: 0, measured: 0 };
  return {
    state,
    work: {
      watch: {
        stop: () => undefined,
        measureNow: async () => {
          disk.events.push(`measure ${name}`);
          state.measured = state.written;
        },
        exceeded: () => state.measured > 50 * MIB,
        budgetBytes: 50 * MIB,
        lastWritten: () => state.measured,
      },
      stop: () => void disk.events.push(`stop ${name}`),
      cgroups: () => ({ freeze: [`/cg/${name}`], processes: [`/cg/${name}`] }),
    },
  };
}

describe("DiskFloor", () => {
  it("starts work only with room for its budget, that of all work under way and the overshoot allowance, above the floor", async () => {
    const { floor } = fakeDisk(100 + 3 * 50 + ALLOWANCE + 10); // three at once, not four
    const tickets = [await floor.admit(), await floor.admit(), await floor.admit()];
    let fourth = false;
    const waiting = floor.admit().then((t) => {
      fourth = true;
      return t;
    });
    await settle();
    expect(fourth).toBe(false);
    tickets[0].release();
    (await waiting).release();
    expect(fourth).toBe(true);
    for (const t of tickets.slice(1)) t.release();
  });

  it("keeps room for the writes of a whole reaction time at a fast disk's speed", () => {
    expect(overshootAllowance()).toBe(Math.ceil((ASSUMED_WRITE_BYTES_PER_SECOND * REACTION_MS) / 1000));
    expect(overshootAllowance(100 * MIB)).toBe(10 * MIB);
  });

  it("frees what earlier runs kept before it gives up for lack of room, and gives up when that is not enough", async () => {
    const kept = { bytes: 30 * MIB, asked: [] as number[] };
    const disk = { free: (130 + ALLOWANCE) * MIB };
    const makeRoom = async (needed: number): Promise<boolean> => {
      kept.asked.push(needed);
      if (!kept.bytes) return false;
      disk.free += kept.bytes;
      kept.bytes = 0;
      return true;
    };
    const floor = new DiskFloor({ measure: () => disk.free, floorBytes: 100 * MIB, budgetBytes: 50 * MIB, makeRoom });
    (await floor.admit()).release();
    expect(kept.asked).toEqual([(150 + ALLOWANCE) * MIB]);
    disk.free = (140 + ALLOWANCE) * MIB;
    await expect(floor.admit()).rejects.toThrow(DiskFloorError);
    expect(kept.asked).toHaveLength(2);
  });

  it("fails this and every later submission when there is no room and nothing under way would free any", async () => {
    const { floor } = fakeDisk(140 + ALLOWANCE);
    await expect(floor.admit()).rejects.toThrow(DiskFloorError);
    await expect(floor.admit()).rejects.toThrow(
      new RegExp(
        `has ${Math.round(140 + ALLOWANCE)} MiB free; grading a submission needs ${Math.round(150 + ALLOWANCE)} MiB \\(the floor, 100 MiB, plus its disk budget, 50 MiB, plus ${Math.round(ALLOWANCE)} MiB for what writers can write before they are stopped\\)`,
      ),
    );
  });

  it("waits for work under way to end, and fails when what is left is too little", async () => {
    const { disk, floor } = fakeDisk(160 + ALLOWANCE);
    const first = await floor.admit();
    const second = floor.admit();
    await settle();
    disk.free = (120 + ALLOWANCE) * MIB; // the first one's build left its layers (until its run is over)
    first.release();
    await expect(second).rejects.toThrow(DiskFloorError);
  });

  it("goes on once work under way has ended and cleaned up", async () => {
    const { disk, floor } = fakeDisk(160 + ALLOWANCE);
    const first = await floor.admit();
    const second = floor.admit();
    await settle();
    disk.free = (300 + ALLOWANCE) * MIB; // the first one's images were removed
    first.release();
    (await second).release();
  });

  it("freezes and measures a work once the free space has fallen by what is left of its budget, and only that work", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    const [a, b] = [loggedWork(disk, "a"), loggedWork(disk, "b")];
    ticket.track(a.work);
    ticket.track(b.work);
    await settle();
    disk.free -= 40 * MIB;
    await settle();
    expect(disk.events).toEqual([]); // neither could have written 50 MiB
    a.state.written = 45 * MIB; // a wrote it all
    disk.free -= 15 * MIB;
    await settle();
    // 55 MiB fell: either could be past its budget
    expect(disk.events).toEqual(["freeze /cg/a,/cg/b", "measure a", "measure b", "kill ", "thaw"]);
    expect(floor.figures).toMatchObject({ checks: 1, largestUncheckedBytes: 5 * MIB });
    disk.events.length = 0;
    disk.free -= 10 * MIB; // a may have reached 55 MiB now; b only 10
    await settle();
    expect(disk.events.slice(0, 3)).toEqual(["freeze /cg/a", "measure a", "kill "]);
    ticket.release();
  });

  it("never pauses a work far from its budget, however much the others write", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    const quiet = loggedWork(disk, "quiet");
    quiet.work.watch.budgetBytes = 2048 * MIB;
    ticket.track(quiet.work);
    for (let i = 0; i < 10; i++) {
      disk.free -= 100 * MIB;
      await settle(10);
    }
    expect(disk.events).toEqual([]);
    ticket.release();
  });

  it("counts what a work wrote before it was tracked, from the start of its ticket (a container writes from its first instant)", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    await settle();
    disk.free -= 60 * MIB; // the container started and wrote before its watch began
    await settle();
    const late = loggedWork(disk, "late");
    late.state.written = 60 * MIB;
    ticket.track(late.work);
    await settle();
    expect(disk.events).toEqual(["freeze /cg/late", "measure late", "kill /cg/late", "thaw"]);
    ticket.release();
  });

  it("counts writes that space freed meanwhile hides from the free space, by what the page cache took", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    const writer = loggedWork(disk, "writer");
    ticket.track(writer.work);
    await settle();
    // It writes 60 MiB while another submission's 100 MiB image is removed: the free space rises
    writer.state.written = 60 * MIB;
    disk.dirtied += 60 * MIB;
    disk.free += 40 * MIB;
    await settle();
    expect(disk.events).toEqual(["freeze /cg/writer", "measure writer", "kill /cg/writer", "thaw"]);
    expect(floor.figures.largestUncheckedBytes).toBe(10 * MIB);
    ticket.release();
  });

  it("goes on watching the others while one work is measured", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    const [slow, fast] = [loggedWork(disk, "slow"), loggedWork(disk, "fast")];
    let finishSlow = (): void => undefined;
    slow.work.watch.measureNow = () => new Promise<void>((resolve) => (finishSlow = resolve)); // a long layer walk
    ticket.track(slow.work);
    disk.free -= 60 * MIB;
    await settle();
    expect(disk.events).toEqual(["freeze /cg/slow"]);
    ticket.track(fast.work); // starts now: nothing written yet
    fast.state.written = 60 * MIB;
    disk.free -= 60 * MIB;
    await settle();
    expect(disk.events).toEqual(["freeze /cg/slow", "freeze /cg/fast", "measure fast", "kill /cg/fast", "thaw"]);
    finishSlow();
    await settle();
    // let go; then frozen again, as the disk fell by its budget since its freeze (what fell was fast's, unknown to the guard)
    expect(disk.events.slice(5)).toEqual(["kill ", "thaw", "freeze /cg/slow"]);
    finishSlow();
    ticket.release();
  });

  it("kills the processes of a work its watch found past its budget while they are frozen, before anything is thawed", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    const writer = loggedWork(disk, "writer");
    ticket.track(writer.work);
    writer.state.written = 100 * MIB;
    disk.free -= 100 * MIB;
    await settle();
    expect(disk.events).toEqual(["freeze /cg/writer", "measure writer", "kill /cg/writer", "thaw"]);
    expect(ticket.interrupted).toBeUndefined();
    ticket.release();
  });

  it("stops all work under way when the free space falls under the floor, and says so on each ticket", async () => {
    const { disk, floor } = fakeDisk(1000);
    const [a, b] = [await floor.admit(), await floor.admit()];
    const stopped: string[] = [];
    a.track({ stop: () => stopped.push("a") });
    b.track({ stop: () => stopped.push("b") });
    disk.free = 90 * MIB;
    await settle();
    expect(stopped.sort()).toEqual(["a", "b"]);
    expect(a.interrupted).toMatch(/^the engine's disk fell to 90 MiB free, under the floor of 100 MiB/);
    expect(b.interrupted).toBe(a.interrupted);
    // Work registered after the stop is stopped at once
    const late: string[] = [];
    a.track({ stop: () => late.push("late") });
    expect(late).toEqual(["late"]);
    expect(floor.lowestFreeBytes).toBe(90 * MIB);
    a.release();
    b.release();
  });

  it("does not stop work when the watches' measurement brings the space back (a writer stopped at its budget)", async () => {
    const { disk, floor } = fakeDisk(1000);
    const ticket = await floor.admit();
    const stopped: string[] = [];
    ticket.track({
      watch: {
        stop: () => undefined,
        measureNow: async () => {
          disk.free = 500 * MIB; // its watch stopped it and what it wrote went
        },
        exceeded: () => true,
        budgetBytes: 50 * MIB,
        lastWritten: () => 0,
      },
      stop: () => stopped.push("stopped"),
    });
    disk.free = 90 * MIB;
    await settle();
    expect(stopped).toEqual([]);
    expect(ticket.interrupted).toBeUndefined();
    ticket.release();
  });

  it("keeps one read of the free space going when work ends and new work starts during a check", async () => {
    jest.useFakeTimers();
    try {
      const disk = { free: 100_000 * MIB, reads: 0 };
      let release = (): void => undefined;
      const floor = new DiskFloor({
        measure: () => (disk.reads++, disk.free),
        floorBytes: 100 * MIB,
        budgetBytes: 50 * MIB,
        everyMs: 5,
        freeze: () => new Promise((resolve) => (release = () => resolve({ ms: 0, all: true, kill: () => undefined, thaw: () => undefined }))),
      });
      const first = await floor.admit();
      disk.free -= 100 * MIB;
      await jest.advanceTimersByTimeAsync(5); // a check starts, and waits for the freeze
      first.release();
      const second = await floor.admit();
      release();
      await jest.advanceTimersByTimeAsync(1);
      const reads = disk.reads;
      await jest.advanceTimersByTimeAsync(50);
      expect(disk.reads - reads).toBeLessThanOrEqual(10);
      expect(disk.reads - reads).toBeGreaterThanOrEqual(9);
      second.release();
    } finally {
      jest.useRealTimers();
    }
  });

  it("reads nothing and holds nothing back when the engine's disk cannot be read", async () => {
    const floor = new DiskFloor({ floorBytes: 100 * MIB, budgetBytes: 50 * MIB });
    const tickets = await Promise.all([1, 2, 3].map(() => floor.admit()));
    for (const t of tickets) t.release();
    expect(floor.lowestFreeBytes).toBeUndefined();
  });

  it("stops reading once no work is under way", async () => {
    const { disk, floor } = fakeDisk(1000);
    (await floor.admit()).release();
    const reads = disk.reads;
    await settle();
    expect(disk.reads).toBe(reads);
  });
});
