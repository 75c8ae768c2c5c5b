import { withWatchdog } from "./watchdog";

describe("withWatchdog", () => {
  it("returns the work's result when it finishes in time, without calling onExpiry", async () => {
    const onExpiry = jest.fn(async () => undefined);
    await expect(withWatchdog(Promise.resolve(42), 1000, onExpiry, "late")).resolves.toBe(42);
    expect(onExpiry).not.toHaveBeenCalled();
  });

  it("kills and rejects when the work hangs", async () => {
    const onExpiry = jest.fn(async () => undefined);
    await expect(withWatchdog(new Promise(() => undefined), 20, onExpiry, "watchdog: too long")).rejects.toThrow("watchdog: too long");
    expect(onExpiry).toHaveBeenCalledTimes(1);
  });

  it("still rejects when killing fails", async () => {
    await expect(withWatchdog(new Promise(() => undefined), 20, async () => Promise.reject(new Error("engine gone")), "late")).rejects.toThrow(
      "late",
    );
  });

  it("passes the work's own failure through", async () => {
    await expect(withWatchdog(Promise.reject(new Error("build broke")), 1000, async () => undefined, "late")).rejects.toThrow("build broke");
  });
});
