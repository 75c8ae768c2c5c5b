import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BuildkitLimiter, limitFiles, locateBuildkitCgroup } from "./buildkit-cgroups";

const V1_STEP = [
  "12:pids:/docker/buildkit/abc",
  "6:memory:/docker/buildkit/abc",
  "3:cpu,cpuacct:/docker/buildkit/abc",
  "1:name=systemd:/docker/buildkit/abc",
  "0::/docker/buildkit/abc",
].join("\n");

/** A cgroup file system of directories and plain files, laid out as the kernel's. */
function fakeCgroupRoot(dirs: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), "cgroup-"));
  for (const dir of dirs) mkdirSync(path.join(root, dir), { recursive: true });
  return root;
}

describe("locateBuildkitCgroup", () => {
  it("finds each controller's BuildKit parent on cgroup v1, through combined mounts such as cpu,cpuacct", () => {
    const root = fakeCgroupRoot(["pids/docker/buildkit", "memory/docker/buildkit", "cpu,cpuacct/docker/buildkit"]);
    expect(locateBuildkitCgroup(V1_STEP, root)).toEqual({
      ok: true,
      cgroup: {
        version: 1,
        parent: "/docker/buildkit",
        dirs: { memory: `${root}/memory/docker/buildkit`, pids: `${root}/pids/docker/buildkit`, cpu: `${root}/cpu,cpuacct/docker/buildkit` },
      },
    });
  });

  it("finds the unified parent on cgroup v2", () => {
    const root = fakeCgroupRoot(["lab-grader-x/buildkit"]);
    writeFileSync(path.join(root, "cgroup.controllers"), "memory pids cpu\n");
    expect(locateBuildkitCgroup("0::/lab-grader-x/buildkit/zzz\n", root)).toEqual({
      ok: true,
      cgroup: { version: 2, parent: "/lab-grader-x/buildkit", dirs: { unified: `${root}/lab-grader-x/buildkit` } },
    });
  });

  it("is not ok for an engine whose cgroups this machine does not have (Docker Desktop's VM, a remote engine)", () => {
    expect(locateBuildkitCgroup(V1_STEP, fakeCgroupRoot([]))).toMatchObject({ ok: false, reason: expect.stringMatching(/the engine is not local/) });
  });

  it("is not ok when steps sit directly in a shared cgroup, where other services' cgroups appear too", () => {
    const root = fakeCgroupRoot(["system.slice"]);
    writeFileSync(path.join(root, "cgroup.controllers"), "memory pids cpu\n");
    expect(locateBuildkitCgroup("0::/system.slice/docker-buildkit-abc.scope\n", root)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/others share/),
    });
  });
});

describe("BuildkitLimiter", () => {
  const limits = { memoryBytes: 100 * 1024 ** 2, cpus: 0.5, pids: 64 };

  it("writes the limits into each step's cgroup as it appears, leaving steps from before it started alone", async () => {
    const root = fakeCgroupRoot(["memory/buildkit/before", "pids/buildkit", "cpu/buildkit"]);
    const dirs = { memory: `${root}/memory/buildkit`, pids: `${root}/pids/buildkit`, cpu: `${root}/cpu/buildkit` };
    const limiter = new BuildkitLimiter({ version: 1, parent: "/buildkit", dirs }, limits, 10).start();
    try {
      for (const c of ["memory", "pids", "cpu"]) mkdirSync(`${dirs[c as keyof typeof dirs]}/step1`);
      writeFileSync(`${dirs.pids}/step1/pids.current`, "1\n");
      const deadline = Date.now() + 2000;
      while (limiter.limited.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(limiter.limited.map((l) => l.controller).sort()).toEqual(["cpu", "memory", "pids"]);
      expect(limiter.limited.every((l) => l.name === "step1" && l.withinLimits)).toBe(true);
      expect(readFileSync(`${dirs.memory}/step1/memory.limit_in_bytes`, "utf8")).toBe(String(100 * 1024 ** 2));
      expect(readFileSync(`${dirs.pids}/step1/pids.max`, "utf8")).toBe("64");
      expect(readFileSync(`${dirs.cpu}/step1/cpu.cfs_quota_us`, "utf8")).toBe("50000");
      expect(() => readFileSync(`${dirs.memory}/before/memory.limit_in_bytes`)).toThrow();
    } finally {
      limiter.stop();
    }
  });

  it("names cgroup v2's files", () => {
    expect(limitFiles(2, "unified", limits)).toEqual([
      ["memory.max", String(100 * 1024 ** 2)],
      ["memory.swap.max", "0"],
      ["pids.max", "64"],
      ["cpu.max", "50000 100000"],
    ]);
  });
});
