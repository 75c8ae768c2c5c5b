import { LoadGate } from "./load-gate";

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("LoadGate", () => {
  it("tells a shared task whether another ran beside it, at any moment", async () => {
    const gate = new LoadGate();
    const alone = await gate.shared(async (crowded) => crowded());
    expect(alone).toBe(false);
    let release!: () => void;
    const first = gate.shared(async (crowded) => {
      await new Promise<void>((resolve) => (release = resolve));
      return crowded();
    });
    await tick();
    const second = await gate.shared(async (crowded) => crowded());
    release();
    expect(second).toBe(true);
    expect(await first).toBe(true);
  });

  it("runs an exclusive task only once no shared task runs, and holds new shared tasks until it is done", async () => {
    const gate = new LoadGate();
    const events: string[] = [];
    let release!: () => void;
    const shared = gate.shared(async () => {
      events.push("shared start");
      await new Promise<void>((resolve) => (release = resolve));
      events.push("shared end");
    });
    await tick();
    const exclusive = gate.exclusive(async () => {
      events.push("exclusive start");
      await tick(20);
      events.push("exclusive end");
    });
    await tick();
    release();
    await tick();
    const later = gate.shared(async (crowded) => {
      events.push("later");
      return crowded();
    });
    await Promise.all([shared, exclusive]);
    expect(await later).toBe(false);
    expect(events).toEqual(["shared start", "shared end", "exclusive start", "exclusive end", "later"]);
  });
});
