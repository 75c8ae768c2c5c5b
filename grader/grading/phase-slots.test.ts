import { phaseSlots } from "./gather-facts";

/** How many of `tasks` tasks a semaphore lets run at once, each holding its slot until all have been asked. */
async function peakConcurrency(run: (task: () => Promise<void>) => Promise<void>, tasks: number): Promise<number> {
  let active = 0;
  let peak = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const all = Array.from({ length: tasks }, () =>
    run(async () => {
      peak = Math.max(peak, ++active);
      await gate;
      active--;
    }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all(all);
  return peak;
}

describe("phaseSlots", () => {
  it("lets --concurrency + 1 builds and 3 × --concurrency run phases go at once", async () => {
    const slots = phaseSlots(2);
    expect(await peakConcurrency((task) => slots.build.run(task), 10)).toBe(3);
    expect(await peakConcurrency((task) => slots.run.run(task), 10)).toBe(6);
  });
});
