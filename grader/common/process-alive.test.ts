import { spawnSync } from "node:child_process";
import { processAlive } from "./process-alive";

describe("processAlive", () => {
  it("tells a running process from one that has ended", () => {
    expect(processAlive(process.pid)).toBe(true);
    const ended = spawnSync("true").pid!;
    expect(processAlive(ended)).toBe(false);
  });

  it("counts pid 1 as running even when signalling it is not allowed", () => {
    expect(processAlive(1)).toBe(true);
  });
});
