import type Dockerode from "dockerode";
import { describeQuota, detectContainerQuota, quotaHeadroomBytes, storageSize } from "./disk-quota";

const MIB = 1024 ** 2;

/** An engine that creates (or refuses) containers, recording what it was asked. */
function fakeEngine(refuse?: string) {
  const asked: { created: object[]; removed: number } = { created: [], removed: 0 };
  const docker = {
    createContainer: async (options: object) => {
      if (refuse) throw Object.assign(new Error("(HTTP code 500) server error"), { json: { message: refuse } });
      asked.created.push(options);
      return { remove: async () => void asked.removed++ };
    },
  } as unknown as Dockerode;
  return { docker, asked };
}

describe("detectContainerQuota", () => {
  it("finds overlay2's quota when the engine accepts a size, and removes its probe", async () => {
    const { docker, asked } = fakeEngine();
    expect(
      await detectContainerQuota(docker, { Driver: "overlay2", DriverStatus: [["Backing Filesystem", "xfs"]] }, "python:3.11-slim", { a: "b" }),
    ).toEqual({ kind: "layer", driver: "overlay2" });
    expect(asked.created).toEqual([
      expect.objectContaining({
        Image: "python:3.11-slim",
        Labels: { a: "b" },
        HostConfig: expect.objectContaining({ StorageOpt: { size: String(64 * MIB) } }),
      }),
    ]);
    expect(asked.removed).toBe(1);
  });

  it("says why not when the engine refuses, in the engine's words", async () => {
    const { docker } = fakeEngine("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
    expect(await detectContainerQuota(docker, { Driver: "overlay2" }, "x", {})).toEqual({
      kind: "none",
      reason: "the engine refuses a size for containers: --storage-opt is supported only for overlay over xfs with 'pquota' mount option",
    });
  });

  it("does not use another driver's size option, nor the containerd store's", async () => {
    for (const info of [
      { Driver: "btrfs" },
      { Driver: "overlayfs", DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]] as [string, string][] },
    ]) {
      const { docker, asked } = fakeEngine();
      expect(await detectContainerQuota(docker, info, "x", {})).toMatchObject({ kind: "none", reason: expect.stringMatching(/overlay2 only/) });
      expect(asked.created).toEqual([]);
    }
  });
});

describe("storageSize", () => {
  it("sits a little above the budget, so the verdict is the watch's and the quota the ceiling", () => {
    expect(storageSize({ kind: "layer", driver: "overlay2" }, 128 * MIB)).toBe(160 * MIB);
    expect(storageSize({ kind: "layer", driver: "overlay2" }, 2048 * MIB)).toBe(2304 * MIB);
    expect(quotaHeadroomBytes(64 * MIB)).toBe(32 * MIB);
    expect(storageSize({ kind: "none", reason: "" }, 128 * MIB)).toBeUndefined();
  });

  it("is described for doctor and results.json", () => {
    expect(describeQuota({ kind: "layer", driver: "overlay2" })).toMatch(
      /^the engine caps each container's writable layer just above the disk budget/,
    );
    expect(describeQuota({ kind: "none", reason: "why" })).toBe("none (why); a watchdog measures what each container writes");
  });
});
