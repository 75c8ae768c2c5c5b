import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BuildkitLimiter, limitFiles, locateBuildkitCgroup } from "./buildkit-cgroups";

/** A BuildKit step id: 25 base-36 characters (moby/buildkit identity/randomid.go). */
const STEP_ID = "0k3j5n6p8q9r1s2t4u5v7w8x9";
const V1_STEP = [
  `12:pids:/docker/buildkit/${STEP_ID}`,
  `6:memory:/docker/buildkit/${STEP_ID}`,
  `3:cpu,cpuacct:/docker/buildkit/${STEP_ID}`,
  `1:name=systemd:/docker/buildkit/${STEP_ID}`,
  `0::/docker/buildkit/${STEP_ID}`,
].join("\n");

/**
 * A step under the systemd cgroup driver, as it is laid out from the sources (these machines have no systemd):
 * dockerd gives BuildKit "system.slice:docker:" (moby cmd/dockerd `newCgroupParent`, quoted in docker/buildx#782),
 * BuildKit appends its 25-character step id (executor/oci/spec.go `GenerateSpec`), runc's systemd driver names the
 * scope `docker-<id>.scope` in system.slice (libcontainer/cgroups/systemd `getUnitName`); moby/moby#45796 shows
 * BuildKit's steps in system.slice on a cgroup v2 host. The v1 lines have the shape of a systemd-driven container's
 * (containerd/containerd#285).
 */
const SYSTEMD_STEP = `docker-${STEP_ID}.scope`;
const CONTAINER_SCOPE = `docker-${"b33dda97580e721a".repeat(4)}.scope`;
const V1_SYSTEMD_STEP = [
  `12:pids:/system.slice/${SYSTEMD_STEP}`,
  `6:memory:/system.slice/${SYSTEMD_STEP}`,
  `3:cpu,cpuacct:/system.slice/${SYSTEMD_STEP}`,
  `1:name=systemd:/system.slice/${SYSTEMD_STEP}`,
].join("\n");

/** A cgroup v2 root whose `parent` enables `controllers` for its children. */
function fakeV2Root(parent: string, controllers: string): string {
  const root = fakeCgroupRoot([parent]);
  writeFileSync(path.join(root, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
  writeFileSync(path.join(root, parent, "cgroup.subtree_control"), `${controllers}\n`);
  return root;
}

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
        shared: false,
      },
    });
  });

  it("finds the unified parent on cgroup v2, where runc enabled the controllers for the steps", () => {
    const root = fakeV2Root("docker/buildkit", "cpu memory pids");
    expect(locateBuildkitCgroup(`0::/docker/buildkit/${STEP_ID}\n`, root)).toEqual({
      ok: true,
      cgroup: { version: 2, parent: "/docker/buildkit", dirs: { unified: `${root}/docker/buildkit` }, shared: false },
    });
  });

  it("finds BuildKit's steps among systemd's units: docker-<step id>.scope in system.slice, on cgroup v2 and v1", () => {
    const v2 = fakeV2Root("system.slice", "cpu io memory pids");
    expect(locateBuildkitCgroup(`0::/system.slice/${SYSTEMD_STEP}\n`, v2)).toEqual({
      ok: true,
      cgroup: { version: 2, parent: "/system.slice", dirs: { unified: `${v2}/system.slice` }, shared: true },
    });
    const v1 = fakeCgroupRoot(["pids/system.slice", "memory/system.slice", "cpu,cpuacct/system.slice"]);
    expect(locateBuildkitCgroup(V1_SYSTEMD_STEP, v1)).toMatchObject({ ok: true, cgroup: { version: 1, parent: "/system.slice", shared: true } });
  });

  it("is not ok on cgroup v2 when a controller it limits is not enabled for the steps", () => {
    const root = fakeV2Root("system.slice", "io memory pids");
    expect(locateBuildkitCgroup(`0::/system.slice/${SYSTEMD_STEP}\n`, root)).toEqual({
      ok: false,
      reason: "the cgroup v2 controller(s) cpu are not enabled for the steps under /system.slice (its cgroup.subtree_control)",
    });
  });

  it("is not ok when the step saw only its own cgroup namespace and was not found on this machine", () => {
    expect(locateBuildkitCgroup("0::/\n", fakeV2Root("system.slice", "cpu memory pids"))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/cgroup namespace of their own .*the engine is not local/),
    });
  });

  it("is not ok for an engine whose cgroups this machine does not have (Docker Desktop's VM, a remote engine)", () => {
    expect(locateBuildkitCgroup(V1_STEP, fakeCgroupRoot([]))).toMatchObject({ ok: false, reason: expect.stringMatching(/the engine is not local/) });
  });

  it("is not ok in a layout where its steps could not be told apart from other cgroups", () => {
    const root = fakeV2Root("system.slice", "cpu memory pids");
    for (const step of ["docker-buildkit-abc.scope", CONTAINER_SCOPE, STEP_ID])
      expect(locateBuildkitCgroup(`0::/system.slice/${step}\n`, root)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/a layout lab-grader does not know/),
      });
  });
});

describe("BuildkitLimiter", () => {
  const limits = { memoryBytes: 100 * 1024 ** 2, cpus: 0.5, pids: 64 };

  it("writes the limits into each step's cgroup as it appears, leaving steps from before it started alone", async () => {
    const before = "zzzzzzzzzzzzzzzzzzzzzzzzz";
    const root = fakeCgroupRoot([`memory/buildkit/${before}`, "pids/buildkit", "cpu/buildkit"]);
    const dirs = { memory: `${root}/memory/buildkit`, pids: `${root}/pids/buildkit`, cpu: `${root}/cpu/buildkit` };
    const limiter = new BuildkitLimiter({ version: 1, parent: "/buildkit", dirs, shared: false }, limits, 10).start();
    try {
      for (const c of ["memory", "pids", "cpu"]) mkdirSync(`${dirs[c as keyof typeof dirs]}/${STEP_ID}`);
      mkdirSync(`${dirs.memory}/not-a-step`);
      writeFileSync(`${dirs.pids}/${STEP_ID}/pids.current`, "1\n");
      const deadline = Date.now() + 2000;
      while (limiter.limited.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(limiter.limited.map((l) => l.controller).sort()).toEqual(["cpu", "memory", "pids"]);
      expect(limiter.limited.every((l) => l.name === STEP_ID && l.withinLimits)).toBe(true);
      expect(readFileSync(`${dirs.memory}/${STEP_ID}/memory.limit_in_bytes`, "utf8")).toBe(String(100 * 1024 ** 2));
      expect(readFileSync(`${dirs.pids}/${STEP_ID}/pids.max`, "utf8")).toBe("64");
      expect(readFileSync(`${dirs.cpu}/${STEP_ID}/cpu.cfs_quota_us`, "utf8")).toBe("50000");
      expect(() => readFileSync(`${dirs.memory}/${before}/memory.limit_in_bytes`)).toThrow();
      expect(() => readFileSync(`${dirs.memory}/not-a-step/memory.limit_in_bytes`)).toThrow();
    } finally {
      limiter.stop();
    }
  });

  it("in a slice others share, limits only BuildKit's step scopes, not services or containers", async () => {
    const root = fakeCgroupRoot(["system.slice/cron.service"]);
    const dir = `${root}/system.slice`;
    const limiter = new BuildkitLimiter({ version: 2, parent: "/system.slice", dirs: { unified: dir }, shared: true }, limits, 10).start();
    try {
      for (const name of [CONTAINER_SCOPE, "ssh.service", SYSTEMD_STEP]) mkdirSync(`${dir}/${name}`);
      writeFileSync(`${dir}/${SYSTEMD_STEP}/pids.current`, "1\n");
      const deadline = Date.now() + 2000;
      while (!limiter.limited.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(limiter.limited).toEqual([{ name: SYSTEMD_STEP, controller: "unified", withinLimits: true }]);
      expect(readFileSync(`${dir}/${SYSTEMD_STEP}/memory.max`, "utf8")).toBe(String(100 * 1024 ** 2));
      for (const other of [CONTAINER_SCOPE, "ssh.service"]) expect(() => readFileSync(`${dir}/${other}/memory.max`)).toThrow();
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
