import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ContainerCgroups, freezeCgroups, freezerDirOf, freezerRoot, thawStrandedBuildkitParents } from "./cgroup-freezer";

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake /sys/fs/cgroup, laid out as recorded on a host (v1) or in a unified hierarchy (v2). */
function fakeCgroupRoot(version: 1 | 2, dirs: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), "cgroups-"));
  if (version === 2) writeFileSync(path.join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
  else {
    mkdirSync(path.join(root, "freezer"));
    writeFileSync(path.join(root, "freezer", "cgroup.procs"), "");
  }
  for (const dir of dirs) mkdirSync(path.join(root, dir), { recursive: true });
  return root;
}

const ID = "4f0c6b1e9d2a".padEnd(64, "7");

describe("finding a container's cgroup in the freezer", () => {
  it("finds cgroupfs v1 containers under the engine's cgroup parent, by full or short id", () => {
    const root = fakeCgroupRoot(1, [
      `freezer/docker/${"a".repeat(64)}`,
      `freezer/lab-grader-overlay2/${ID}`,
      "freezer/lab-grader-overlay2/buildkit/x1",
    ]);
    const cgroups = new ContainerCgroups(freezerRoot(root));
    expect(cgroups.find(ID)).toBe(path.join(root, "freezer/lab-grader-overlay2", ID));
    expect(cgroups.find(ID.slice(0, 12))).toBe(path.join(root, "freezer/lab-grader-overlay2", ID));
    expect(cgroups.find("b".repeat(64))).toBeUndefined();
  });

  // Docker with the systemd cgroup driver on cgroup v2 (Ubuntu 22.04+, Fedora): system.slice/docker-<id>.scope;
  // Podman: machine.slice/libpod-<id>.scope, beside a libpod-conmon-<id>.scope that is not the container's.
  it("finds systemd-driver and Podman scopes on cgroup v2", () => {
    const root = fakeCgroupRoot(2, [
      "system.slice/docker.service",
      `system.slice/docker-${ID}.scope`,
      `machine.slice/libpod-conmon-${"c".repeat(64)}.scope`,
      `machine.slice/libpod-${"c".repeat(64)}.scope`,
    ]);
    const cgroups = new ContainerCgroups(freezerRoot(root));
    expect(cgroups.find(ID)).toBe(path.join(root, `system.slice/docker-${ID}.scope`));
    expect(cgroups.find("c".repeat(64))).toBe(path.join(root, `machine.slice/libpod-${"c".repeat(64)}.scope`));
  });

  it("maps a v1 cgroup of any hierarchy to its freezer twin, and a v2 one to itself", () => {
    const v1 = fakeCgroupRoot(1, []);
    expect(freezerDirOf(path.join(v1, "memory/docker/buildkit/step1"), v1)).toBe(path.join(v1, "freezer/docker/buildkit/step1"));
    const v2 = fakeCgroupRoot(2, []);
    expect(freezerDirOf(path.join(v2, "system.slice/docker.service/buildkit/step1"), v2)).toBe(
      path.join(v2, "system.slice/docker.service/buildkit/step1"),
    );
    expect(freezerRoot(mkdtempSync(path.join(tmpdir(), "no-cgroups-")))).toBeUndefined();
  });
});

/**
 * On this machine's own freezer (cgroup v1 here; run as root, as CI does): a writer in a cgroup of its own is
 * frozen, writes nothing while frozen, and dies as it is thawed once killed.
 */
describe("freezing a real writer", () => {
  const root = freezerRoot();
  const dir = root && path.join(root, `lab-grader-test-${process.pid}`);
  let writer: ChildProcess;
  const file = path.join(mkdtempSync(path.join(tmpdir(), "freezer-")), "written");
  const v2 = root === "/sys/fs/cgroup";
  const selfStateFile = v2 ? "cgroup.freeze" : "freezer.self_freezing";
  const thawedSelf = "0";

  beforeAll(() => {
    if (!dir) throw new Error("this machine has no cgroup freezer at /sys/fs/cgroup: the grader's disk guard needs one");
    mkdirSync(dir);
    writer = spawn("sh", ["-c", `while :; do head -c 1048576 /dev/zero >> ${file}; done`], { stdio: "ignore" });
    writeFileSync(path.join(dir, "cgroup.procs"), String(writer.pid));
  });

  afterAll(async () => {
    writer?.kill("SIGKILL");
    if (!dir) return;
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        return;
      } catch {
        await settle(100); // its last processes are still being reaped
      }
    }
  });

  it("stops its writes until it is thawed, and a kill sent while frozen leaves it no more writes", async () => {
    await settle(200);
    const frozen = await freezeCgroups([dir!]);
    expect(frozen.all).toBe(true);
    const sizeFrozen = statSync(file).size;
    await settle(300);
    expect(statSync(file).size).toBe(sizeFrozen);
    frozen.thaw();
    await settle(300);
    expect(statSync(file).size).toBeGreaterThan(sizeFrozen);

    const again = await freezeCgroups([dir!]);
    const sizeKilled = statSync(file).size;
    again.kill([dir!]);
    const exited = new Promise((resolve) => writer.once("exit", resolve));
    again.thaw();
    await exited;
    // Each write of the loop is one process: the one frozen mid-write may have finished the write it was in
    expect(statSync(file).size - sizeKilled).toBeLessThanOrEqual(1024 ** 2);
  });

  it("lets go at once of a cgroup that is ending (no process left), which runc would take for a paused container", async () => {
    const empty = path.join(root!, `lab-grader-test-empty-${process.pid}`);
    mkdirSync(empty);
    try {
      const frozen = await freezeCgroups([empty]);
      expect(readFileSync(path.join(empty, selfStateFile), "utf8").trim()).toBe(thawedSelf);
      frozen.thaw();
    } finally {
      rmdirSync(empty);
    }
  });

  it("thaws a BuildKit steps' parent a killed grader left frozen, and nothing else", () => {
    const engineParent = path.join(root!, `lab-grader-test-engine-${process.pid}`);
    const stranded = path.join(engineParent, "buildkit");
    const other = path.join(engineParent, "other");
    mkdirSync(stranded, { recursive: true });
    mkdirSync(other);
    const setSelf = (dir: string, frozen: boolean): void =>
      writeFileSync(path.join(dir, v2 ? "cgroup.freeze" : "freezer.state"), v2 ? (frozen ? "1" : "0") : frozen ? "FROZEN" : "THAWED");
    try {
      setSelf(stranded, true);
      setSelf(other, true);
      expect(thawStrandedBuildkitParents()).toContain(stranded);
      expect(readFileSync(path.join(stranded, selfStateFile), "utf8").trim()).toBe(thawedSelf);
      expect(readFileSync(path.join(other, selfStateFile), "utf8").trim()).toBe("1");
    } finally {
      setSelf(stranded, false);
      setSelf(other, false);
      for (const dir of [stranded, other, engineParent]) rmdirSync(dir);
    }
  });

  // BuildKit's steps are frozen through their parent: a step frozen so writes nothing, yet runc reads its own
  // state (v1 freezer.self_freezing, v2 cgroup.freeze) as not paused, and deletes it when it ends
  it("freezes a writer through an ancestor, without freezing the writer's own cgroup", async () => {
    const parent = path.join(root!, `lab-grader-test-parent-${process.pid}`);
    const child = path.join(parent, "step");
    mkdirSync(child, { recursive: true });
    const stepWriter = spawn("sh", ["-c", `while :; do head -c 1048576 /dev/zero >> ${file}-step; done`], { stdio: "ignore" });
    try {
      writeFileSync(path.join(child, "cgroup.procs"), String(stepWriter.pid));
      await settle(200);
      const frozen = await freezeCgroups([parent]);
      expect(frozen.all).toBe(true);
      const size = statSync(`${file}-step`).size;
      await settle(300);
      expect(statSync(`${file}-step`).size).toBe(size);
      expect(readFileSync(path.join(child, selfStateFile), "utf8").trim()).toBe(thawedSelf);
      frozen.kill([child]);
      const exited = new Promise((resolve) => stepWriter.once("exit", resolve));
      frozen.thaw();
      await exited;
    } finally {
      stepWriter.kill("SIGKILL");
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(child);
          rmdirSync(parent);
          break;
        } catch {
          await settle(100);
        }
      }
    }
  });
});
