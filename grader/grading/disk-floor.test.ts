import { DiskFloor, DiskFloorError } from "./disk-floor";

const MIB = 1024 ** 2;
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake engine disk: `free` is what the floor reads. */
function fakeDisk(freeMib: number) {
  const disk = { free: freeMib * MIB, reads: 0 };
  const floor = new DiskFloor({
    measure: () => {
      disk.reads++;
      return disk.free;
    },
    floorBytes: 100 * MIB,
    budgetBytes: 50 * MIB,
    everyMs: 5,
  });
  return { disk, floor };
}

describe("DiskFloor", () => {
  it("starts work only with room for its budget and that of all work under way, above the floor", async () => {
    const { floor } = fakeDisk(260); // floor 100 + 3 budgets of 50 = 250: three at once, not four
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

  it("fails this and every later submission when there is no room and nothing under way would free any", async () => {
    const { floor } = fakeDisk(140);
    await expect(floor.admit()).rejects.toThrow(DiskFloorError);
    await expect(floor.admit()).rejects.toThrow(
      /has 140 MiB free; grading a submission needs 150 MiB \(the floor, 100 MiB, plus its disk budget, 50 MiB\)/,
    );
  });

  it("waits for work under way to end, and fails when what is left is too little", async () => {
    const { disk, floor } = fakeDisk(160);
    const first = await floor.admit();
    const second = floor.admit();
    await settle();
    disk.free = 120 * MIB; // the first one's build left its layers (until its run is over)
    first.release();
    await expect(second).rejects.toThrow(DiskFloorError);
  });

  it("goes on once work under way has ended and cleaned up", async () => {
    const { disk, floor } = fakeDisk(160);
    const first = await floor.admit();
    const second = floor.admit();
    await settle();
    disk.free = 300 * MIB; // the first one's images were removed
    first.release();
    (await second).release();
  });

  it("has every running watch measure at once when the room kept for the budgets is being used", async () => {
    const { disk, floor } = fakeDisk(205);
    const ticket = await floor.admit();
    let measured = 0;
    ticket.track({ watch: { stop: () => undefined, measureNow: async () => void measured++ }, stop: () => undefined });
    await settle();
    expect(measured).toBe(0);
    disk.free = 195 * MIB; // a slow fall, but under the floor + one budget for it and one for the next
    await settle();
    expect(measured).toBeGreaterThan(0);
    expect(ticket.interrupted).toBeUndefined();
    ticket.release();
  });

  it("has every running watch measure at once when the free space falls fast, however much is left", async () => {
    const { disk, floor } = fakeDisk(100_000);
    const ticket = await floor.admit();
    let measured = 0;
    ticket.track({ watch: { stop: () => undefined, measureNow: async () => void measured++ }, stop: () => undefined });
    await settle();
    disk.free -= 10 * MIB; // slow
    await settle();
    expect(measured).toBe(0);
    disk.free -= 40 * MIB; // 40 MiB between two reads
    await settle();
    expect(measured).toBe(1);
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
      },
      stop: () => stopped.push("stopped"),
    });
    disk.free = 90 * MIB;
    await settle();
    expect(stopped).toEqual([]);
    expect(ticket.interrupted).toBeUndefined();
    ticket.release();
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
