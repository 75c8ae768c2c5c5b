import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sleep } from "../common/duration";
import { cgroupPids, childDirs, killCgroup } from "./buildkit-cgroups";

/**
 * Freezing a submission's processes where they run: a container's or a build step's cgroup, frozen by this
 * machine's cgroup freezer (v1's freezer hierarchy, v2's cgroup.freeze). A frozen writer writes nothing more, so
 * the disk guard can measure it at leisure and kill it before it goes on (docs/disk.md, "Freeze, then measure").
 *
 * runc takes a cgroup frozen by itself (v1 `freezer.self_freezing`, v2 `cgroup.freeze`) for a paused container,
 * and refuses to delete one: a BuildKit step whose last process exited while the guard held its cgroup failed
 * with "cannot delete container … that is not stopped: paused". A cgroup frozen through an ancestor is not
 * paused to runc. So BuildKit's steps are frozen through their parent, which holds only the engine's steps; a
 * container's own cgroup is frozen (its parent may be systemd's system.slice), and let go at once when it turns
 * out to be ending — empty, or a process of it exiting — the only time runc could look.
 */

const CGROUP_ROOT = "/sys/fs/cgroup";

/** Where this machine freezes cgroups: the unified hierarchy (cgroup v2) or v1's freezer hierarchy. */
export function freezerRoot(root = CGROUP_ROOT): string | undefined {
  if (existsSync(path.join(root, "cgroup.controllers"))) return root;
  const v1 = path.join(root, "freezer");
  return existsSync(path.join(v1, "cgroup.procs")) ? v1 : undefined;
}

/**
 * The same cgroup in the freezer: a cgroup v1 directory of any hierarchy (`/sys/fs/cgroup/memory/docker/buildkit`)
 * has a twin of the same path under the freezer hierarchy, where runc's cgroupfs manager makes one for every step
 * and container; on cgroup v2 a directory is its own.
 */
export function freezerDirOf(dir: string, root = CGROUP_ROOT): string | undefined {
  const freezer = freezerRoot(root);
  if (!freezer) return undefined;
  if (freezer === root) return dir;
  const [, ...rest] = path.relative(root, dir).split(path.sep);
  return rest.length && !rest[0].startsWith("..") ? path.join(freezer, ...rest) : undefined;
}

/** Names a container's cgroup goes by: `<id>` (cgroupfs), `docker-<id>.scope` (systemd), `libpod-<id>.scope` (Podman). */
function containerIdOf(name: string): string | undefined {
  const bare = name.replace(/^(docker|libpod)-/, "").replace(/\.scope$/, "");
  return /^[0-9a-f]{12,64}$/.test(bare) ? bare : undefined;
}

const SEARCH_DEPTH = 4;

/**
 * Visits the cgroups under `root`, level by level, a few levels deep, until `visit` returns true; a container's
 * own cgroup holds no other container or step parent, so it is not looked inside. Returns the cgroup it stopped at.
 */
function searchCgroups(root: string, visit: (dir: string, name: string) => boolean): string | undefined {
  let level = [root];
  for (let depth = 0; depth < SEARCH_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const name of childDirs(dir)) {
        if (visit(dir, name)) return path.join(dir, name);
        if (!containerIdOf(name)) next.push(path.join(dir, name));
      }
    }
    level = next;
  }
  return undefined;
}

/**
 * Finds the cgroup of a container (its full id, or the 12-character short id the classic builder prints) under
 * the freezer. Parents where containers were found before are looked in first; otherwise the tree is searched a
 * few levels deep. Undefined when this machine does not hold it (a remote engine, a VM).
 */
export class ContainerCgroups {
  private readonly parents = new Set<string>();

  constructor(private readonly root: string | undefined = freezerRoot()) {}

  find(id: string): string | undefined {
    if (!this.root) return undefined;
    const matches = (name: string): boolean => containerIdOf(name)?.startsWith(id) ?? false;
    for (const parent of this.parents) {
      const hit = childDirs(parent).find(matches);
      if (hit) return path.join(parent, hit);
    }
    return searchCgroups(this.root, (dir, name) => matches(name) && !!this.parents.add(dir));
  }
}

/**
 * Thaws every BuildKit steps' parent (a cgroup named `buildkit`) left frozen: a grader killed while it held one
 * leaves every BuildKit step of that engine frozen, its own probe build too. Nothing but the disk guard freezes
 * them; a live grader's check that is cut short by this only measures its writers a little later.
 */
export function thawStrandedBuildkitParents(root: string | undefined = freezerRoot()): string[] {
  if (!root) return [];
  const thawed: string[] = [];
  searchCgroups(root, (dir, name) => {
    const child = path.join(dir, name);
    if (name === "buildkit" && selfFrozen(child)) {
      letGo(child);
      thawed.push(child);
    }
    return false;
  });
  return thawed;
}

function selfFrozen(dir: string): boolean {
  try {
    if (isV2(dir)) return readFileSync(path.join(dir, "cgroup.freeze"), "utf8").trim() === "1";
    return readFileSync(path.join(dir, "freezer.self_freezing"), "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/**
 * Cgroups this process froze and has not thawed, with how many freezes hold each (checks overlap, and every
 * BuildKit build is frozen through the same parent): thawed when the last lets go, and on the way out. After a
 * kill -9, the engine thaws a container as it removes it (runc does, test/engine/cleanup.test.ts); BuildKit's
 * steps' parent is thawed by the next run (thawStrandedBuildkitParents).
 */
const frozenNow = new Map<string, number>();
let thawOnExit = false;

function isV2(dir: string): boolean {
  return existsSync(path.join(dir, "cgroup.freeze"));
}

function freezeOne(dir: string): void {
  if (!thawOnExit) {
    thawOnExit = true;
    process.once("exit", () => [...frozenNow.keys()].forEach(letGo));
  }
  try {
    writeFileSync(path.join(dir, isV2(dir) ? "cgroup.freeze" : "freezer.state"), isV2(dir) ? "1" : "FROZEN");
    frozenNow.set(dir, (frozenNow.get(dir) ?? 0) + 1);
  } catch {
    // the step or container ended meanwhile
  }
}

function isFrozen(dir: string): boolean {
  try {
    if (isV2(dir)) return /^frozen 1$/m.test(readFileSync(path.join(dir, "cgroup.events"), "utf8"));
    // v1 stays FREEZING while a task is inside a system call it cannot leave yet; writing FROZEN again retries it
    const state = readFileSync(path.join(dir, "freezer.state"), "utf8").trim();
    if (state !== "FROZEN") writeFileSync(path.join(dir, "freezer.state"), "FROZEN");
    return state === "FROZEN";
  } catch {
    return true; // gone: nothing left to freeze
  }
}

/** One freeze of `dir` lets go: thawed once none holds it. */
function thawOne(dir: string): void {
  const holds = (frozenNow.get(dir) ?? 1) - 1;
  if (holds > 0) frozenNow.set(dir, holds);
  else letGo(dir);
}

/** Thawed, whatever holds it. */
function letGo(dir: string): void {
  frozenNow.delete(dir);
  try {
    writeFileSync(path.join(dir, isV2(dir) ? "cgroup.freeze" : "freezer.state"), isV2(dir) ? "0" : "THAWED");
  } catch {
    // gone
  }
}

export interface Frozen {
  /** How long it took until every cgroup was frozen (or the wait gave up). */
  ms: number;
  /** False when some cgroup was still freezing when the wait gave up. */
  all: boolean;
  /** Sends SIGKILL to every process of these cgroups: they die as they are thawed, having written nothing more. */
  kill(dirs: string[]): void;
  thaw(): void;
}

/**
 * Freezes `dirs` and waits until they are frozen, up to `waitMs`. One that is ending (see above) is thawed at
 * once: its processes are exiting, and writing no more.
 */
export async function freezeCgroups(dirs: string[], waitMs = 500): Promise<Frozen> {
  const started = Date.now();
  const held = new Set(dirs);
  for (const dir of held) freezeOne(dir);
  let pending = [...held];
  for (;;) {
    pending = pending.filter((dir) => {
      if (!isFrozen(dir)) return true;
      if (ending(dir)) {
        letGo(dir);
        held.delete(dir);
      }
      return false;
    });
    if (!pending.length || Date.now() - started >= waitMs) break;
    await sleep(1);
  }
  return {
    ms: Date.now() - started,
    all: pending.length === 0,
    kill: (toKill) => toKill.forEach(killCgroup),
    thaw: () => held.forEach(thawOne),
  };
}

/** A task's flags (/proc/<pid>/stat, field 9) while it exits. */
const PF_EXITING = 0x4;

/** Whether a cgroup is ending: no process and no child cgroup left, or a process of it exiting. */
function ending(dir: string): boolean {
  const pids = cgroupPids(dir);
  if (!pids.length) return childDirs(dir).length === 0;
  return pids.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[6]) & PF_EXITING) !== 0;
    } catch {
      return true; // gone
    }
  });
}
