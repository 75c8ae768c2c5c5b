import { readFileSync, readlinkSync, watch, type FSWatcher } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { cgroupPids, childDirs, isStepCgroup, type StepsPlace } from "./buildkit-cgroups";
import { freezerDirOf } from "./cgroup-freezer";
import type { WorkCgroups } from "./disk-watch";

/**
 * Why BuildKit's steps' writes cannot be measured on this engine, if they cannot: they are found as the upper
 * directory of each step's root overlay mount, which only overlay2 and the containerd store's overlayfs
 * snapshotter make.
 */
export function unmeasurableDriver(info: { Driver?: string }): string | undefined {
  if (["overlay2", "overlayfs"].includes(String(info.Driver))) return undefined;
  return `its build steps' writes cannot be measured for the disk budget on the ${info.Driver} storage driver (only on overlay)`;
}

const BUILD_HOST = "lab-grader-build";

/**
 * The entry a build's RUN steps find in their /etc/hosts (the build request's `extrahosts`): its address names
 * the build. BuildKit keeps a host's address out of a step's cache key, so the steps of one build can be reused
 * by another; the name is in the key, so builds share steps only under the same `scope` (see
 * grading/step-sharing.ts).
 */
export function buildHostEntry(scope?: string): { name: string; address: string } {
  const [a, b, c] = randomBytes(3);
  return { name: scope ? `${BUILD_HOST}-${scope}` : BUILD_HOST, address: `127.${64 + (a & 63)}.${b}.${c}` };
}

/**
 * What one BuildKit build has written to the engine's disk: the writable layer of each of its RUN steps. BuildKit
 * reports no step containers, so the steps are found through their cgroups (one per step under `steps.dir`, see
 * buildkit-cgroups.ts): a step is this build's when its /etc/hosts has the build's address, and its writable layer is
 * the upper directory of its root overlay mount, read from the step's mount table and opened through the root of
 * the process that started it (the engine's own view of the disk, chroot or not). A step's layer stays where it is
 * once the step is done (it becomes the step's cached layer), so it keeps counting.
 */
export class BuildkitDiskUse {
  private readonly mine = new Map<string, { dir: string; bytes: number; done: boolean }>();
  private readonly notMine = new Set<string>();
  /** Steps whose cgroup has no process yet, and how often they were looked at. */
  private readonly pending = new Map<string, number>();
  private retry?: NodeJS.Timeout;
  private readonly watcher?: FSWatcher;

  constructor(
    private readonly steps: StepsPlace,
    private readonly address: string,
  ) {
    try {
      // Steps are found the moment they start, while their processes can still be read
      this.watcher = watch(steps.dir, () => this.discover());
    } catch {
      // no inotify: written() still looks each time it is asked
    }
  }

  stop(): void {
    this.watcher?.close();
    clearTimeout(this.retry);
    this.pending.clear();
  }

  /**
   * This build's steps still running, in this machine's freezer; frozen through the parent of every step of the
   * engine, which runc does not take for the step's own state (see cgroup-freezer.ts). Where that parent is shared
   * with the machine's services (systemd's system.slice) nothing is frozen: a step frozen through its own cgroup
   * fails on Docker 28 ("cannot delete container … that is not stopped: paused", docs/buildkit.md), so such steps
   * are measured as they run, and killed past the budget.
   */
  cgroups(): WorkCgroups {
    this.discover();
    const processes = [...this.mine].filter(([, step]) => !step.done).flatMap(([name]) => freezerDirOf(path.join(this.steps.dir, name)) ?? []);
    if (this.steps.shared) return { freeze: [], processes };
    const parent = processes.length ? freezerDirOf(this.steps.dir) : undefined;
    return { freeze: parent ? [parent] : [], processes };
  }

  async written(): Promise<number> {
    this.discover();
    let total = 0;
    for (const [name, step] of this.mine) {
      if (!step.done) {
        step.done = cgroupPids(path.join(this.steps.dir, name)).length === 0;
        step.bytes = await layerBytes(step.dir).catch(() => step.bytes);
      }
      total += step.bytes;
    }
    return total;
  }

  private discover(): void {
    const names = childDirs(this.steps.dir).filter(isStepCgroup);
    for (const name of names) {
      if (this.mine.has(name) || this.notMine.has(name)) continue;
      const found = identifyStep(path.join(this.steps.dir, name));
      if (found === "unknown") {
        // runc makes the cgroup before it puts the step's first process in: looked at again in a moment, for 2 s
        const tries = (this.pending.get(name) ?? 0) + 1;
        if (tries > 200) this.notMine.add(name);
        else this.pending.set(name, tries);
        continue;
      }
      this.pending.delete(name);
      if (found.addresses.includes(this.address) && found.upperDir) this.mine.set(name, { dir: found.upperDir, bytes: 0, done: false });
      else this.notMine.add(name);
    }
    for (const name of this.pending.keys()) if (!names.includes(name)) this.pending.delete(name);
    if (this.pending.size && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.discover();
      }, 10);
    }
  }
}

interface StepIdentity {
  /** The addresses of the grader's build host entries in its /etc/hosts. */
  addresses: string[];
  /** The writable layer as this machine sees it; undefined when the step's root is not an overlay mount. */
  upperDir?: string;
}

/** Reads a running step's /etc/hosts and root mount through one of its processes. */
export function identifyStep(cgroupDir: string): StepIdentity | "unknown" {
  for (const pid of cgroupPids(cgroupDir)) {
    try {
      const hosts = readFileSync(`/proc/${pid}/root/etc/hosts`, "utf8").slice(0, 64 * 1024);
      const entries = hosts.split("\n").map((line) => line.replace(/#.*/, "").trim().split(/\s+/));
      const addresses = entries.filter(([, ...names]) => names.some((name) => name.startsWith(BUILD_HOST))).map(([address]) => address);
      // Until runc has entered the step's root, its first process sees the engine's files, not the step's
      if (!addresses.length && !entries.some(([, ...names]) => names.includes("buildkitsandbox"))) continue;
      const upper = upperDirOf(readFileSync(`/proc/${pid}/mountinfo`, "utf8"));
      return { addresses, upperDir: upper && path.join(engineRootOf(pid), upper) };
    } catch {
      // this process ended meanwhile: try the next
    }
  }
  return "unknown";
}

/** The `upperdir=` of the overlay mounted at "/" in a mountinfo table. */
export function upperDirOf(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (!after || before.split(" ")[4] !== "/") continue;
    const [fsType, , options] = after.split(" ");
    if (fsType !== "overlay") continue;
    const upper = options?.split(",").find((o) => o.startsWith("upperdir="));
    if (upper) return upper.slice("upperdir=".length);
  }
  return undefined;
}

/**
 * The step's mount paths are the engine's: they resolve under the root of the processes of the engine's mount
 * namespace — "/" for an engine on this machine's root, its chroot (with its own mounts) for one in a chroot.
 * The first ancestor of the step in another mount namespace is runc, which ends with the step; the topmost
 * ancestor with runc's namespace and root (the engine, or its init) lasts, so its root is the one kept.
 */
function engineRootOf(pid: number): string {
  const parentOf = (p: number): number => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1]);
  const placeOf = (p: number): string => `${readlinkSync(`/proc/${p}/ns/mnt`)} ${readlinkSync(`/proc/${p}/root`)}`;
  const stepNs = readlinkSync(`/proc/${pid}/ns/mnt`);
  let current = parentOf(pid);
  for (let depth = 0; current > 0 && readlinkSync(`/proc/${current}/ns/mnt`) === stepNs; depth++) {
    if (depth > 16) throw new Error(`no process above ${pid} in another mount namespace`);
    current = parentOf(current);
  }
  if (!(current > 0)) throw new Error(`no process above ${pid} in another mount namespace`);
  const enginePlace = placeOf(current);
  const samePlace = (p: number): boolean => {
    try {
      return placeOf(p) === enginePlace;
    } catch {
      return false; // e.g. pid 1 of a container the grader itself runs in
    }
  };
  for (let parent = parentOf(current); parent > 0 && samePlace(parent); parent = parentOf(parent)) current = parent;
  return `/proc/${current}/root`;
}

const BLOCK_BYTES = 4096;

/**
 * What the entries under `dir` take on disk, counted in 4 KiB blocks (a file's size rounded up, every other entry
 * one block), links not followed. Counting each entry means a step that makes files by the hundred thousand, none
 * of them large, still reaches the budget and is stopped — before each walk of its layer costs the grader seconds.
 */
export async function layerBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += BLOCK_BYTES + (await layerBytes(full));
    else if (entry.isFile()) bytes += Math.max(1, Math.ceil((await lstat(full)).size / BLOCK_BYTES)) * BLOCK_BYTES;
    else bytes += BLOCK_BYTES;
  }
  return bytes;
}
