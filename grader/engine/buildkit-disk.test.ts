import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildHostEntry, layerBytes, unmeasurableDriver, upperDirOf } from "./buildkit-disk";

describe("upperDirOf", () => {
  it("reads the writable layer of the overlay mounted at / from a mountinfo table", () => {
    const mountinfo = [
      "60 73 0:47 / / rw,relatime master:5 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work",
      "61 60 0:50 / /proc rw,nosuid - proc proc rw",
      "62 60 0:51 / /tmp rw - overlay overlay rw,upperdir=/elsewhere/diff,workdir=/elsewhere/work",
    ].join("\n");
    expect(upperDirOf(mountinfo)).toBe("/var/lib/docker/overlay2/abc/diff");
  });

  it("finds none when / is no overlay (or has optional fields before the separator)", () => {
    expect(upperDirOf("60 73 8:1 / / rw,relatime shared:1 master:2 - ext4 /dev/sda1 rw\n")).toBeUndefined();
  });

  it("gives each build a loopback address of its own under one shared name, and a build with a scope a name of its own", () => {
    const entries = Array.from({ length: 50 }, () => buildHostEntry());
    expect(new Set(entries.map((e) => e.name))).toEqual(new Set(["lab-grader-build"]));
    for (const { address } of entries) expect(address).toMatch(/^127\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d{1,3}\.\d{1,3}$/);
    expect(new Set(entries.map((e) => e.address)).size).toBeGreaterThan(45);
    expect(buildHostEntry("0123abcd").name).toBe("lab-grader-build-0123abcd");
  });
});

describe("unmeasurableDriver", () => {
  it("lets BuildKit's writes be measured on overlay mounts only", () => {
    expect(unmeasurableDriver({ Driver: "overlay2" })).toBeUndefined();
    expect(unmeasurableDriver({ Driver: "overlayfs" })).toBeUndefined();
    expect(unmeasurableDriver({ Driver: "btrfs" })).toMatch(/cannot be measured for the disk budget on the btrfs storage driver/);
  });
});

describe("layerBytes", () => {
  it("counts a step's writes in 4 KiB blocks: every entry at least one, links not followed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-layer-"));
    for (const name of ["a", "b", "c"]) writeFileSync(path.join(dir, name), "");
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub", "five-thousand"), "x".repeat(5000));
    const big = path.join(tmpdir(), `lab-grader-layer-big-${process.pid}`);
    writeFileSync(big, Buffer.alloc(1024 * 1024));
    symlinkSync(big, path.join(dir, "link"));
    try {
      expect(await layerBytes(dir)).toBe(3 * 4096 + 4096 + 2 * 4096 + 4096);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(big, { force: true });
    }
  });
});
