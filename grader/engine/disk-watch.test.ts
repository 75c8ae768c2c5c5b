import { describeExceeded, watchDisk } from "./disk-watch";

describe("watchDisk", () => {
  it("reports the first measurement over the budget once, and measures no more", async () => {
    const readings = [10, 50, 200, 300, 400];
    let measured = 0;
    const exceeded: unknown[] = [];
    watchDisk(
      async () => readings[measured++],
      100,
      (e) => exceeded.push(e),
      5,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(exceeded).toEqual([{ writtenBytes: 200, budgetBytes: 100 }]);
    expect(measured).toBe(3);
  });

  it("skips a measurement that fails, and stops when told", async () => {
    let calls = 0;
    const exceeded: unknown[] = [];
    const watch = watchDisk(
      async () => {
        calls++;
        if (calls === 1) throw new Error("no such container");
        return 1;
      },
      100,
      (e) => exceeded.push(e),
      5,
    );
    await new Promise((r) => setTimeout(r, 40));
    watch.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(after);
    expect(calls).toBeGreaterThan(1);
    expect(exceeded).toEqual([]);
  });

  it("says what was written and the budget in MiB", () => {
    expect(describeExceeded({ writtenBytes: 300 * 1024 ** 2, budgetBytes: 128 * 1024 ** 2 })).toBe(
      "wrote 300 MiB to the engine's disk; the budget is 128 MiB",
    );
  });
});
