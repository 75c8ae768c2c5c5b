import { existsSync, readFileSync, readdirSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import path from "node:path";

/** What the grader holds BuildKit's RUN steps to where it can, and what is still held where it cannot. */
export const UNCAPPED_STEPS = "not held to the lab's build limits (memory, CPU, pids, disk budget; the build timeout holds)";

/** What each BuildKit RUN step may use; the classic builder gets the same through its build request. */
export interface StepLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
}

/** Where an engine's BuildKit puts its RUN steps: one child cgroup per step under `parent`. */
export interface BuildkitCgroup {
  version: 1 | 2;
  /** The parent as this machine names it, e.g. "/docker/buildkit" (cgroupfs driver) or "/system.slice" (systemd). */
  parent: string;
  /** Directories on this machine to watch, by controller ("memory", "pids", "cpu"; "unified" on cgroup v2). */
  dirs: Record<string, string>;
  /**
   * The parent holds other cgroups too (systemd's system.slice: services, containers), so it is never frozen, and
   * nor are the steps (see BuildkitDiskUse.cgroups). Only children named as steps are steps.
   */
  shared: boolean;
}

/**
 * A BuildKit step's cgroup is named by the step's id, 25 base-36 characters (identity/randomid.go): `<id>` under
 * BuildKit's own parent with the cgroupfs driver, `docker-<id>.scope` in a systemd slice. With the systemd driver
 * dockerd gives BuildKit the parent "system.slice:docker:" (moby `newCgroupParent`), BuildKit appends the id
 * (`GenerateSpec` in executor/oci/spec.go: a ".slice" parent ending in ":" is taken as slice:prefix:), and runc's
 * systemd driver makes the scope `<prefix>-<id>.scope` (`getUnitName`). A container's cgroup carries its 64-hex
 * id and a systemd unit its suffix, so neither is taken for a step.
 */
const STEP_NAME = /^(?:[0-9a-z]{25}|docker-[0-9a-z]{25}\.scope)$/;

/** Where this machine sees each BuildKit RUN step's cgroup appear (one hierarchy's directory), and whether others share it. */
export interface StepsPlace {
  dir: string;
  shared: boolean;
}

/** The steps' cgroup as `doctor` and a run name it: the parent, and which of its children are steps when others share it. */
export function describeStepsCgroup(cgroup: Pick<BuildkitCgroup, "parent" | "shared" | "version">): string {
  return `${cgroup.parent}${cgroup.shared ? " (each step's own docker-<id>.scope among the slice's other units)" : ""}, cgroup v${cgroup.version}`;
}

/** Whether a cgroup, by its name, is one of BuildKit's RUN steps. */
export function isStepCgroup(name: string): boolean {
  return STEP_NAME.test(name);
}

/** What the limiter writes on cgroup v2, by controller: each must be enabled for the steps (subtree_control). */
const V2_CONTROLLERS = ["memory", "pids", "cpu"];

/** Not ok: `unbuilt` when BuildKit could not build the probe at all, else the steps' cgroups are not this machine's to cap. */
export type Located = { ok: true; cgroup: BuildkitCgroup } | { ok: false; reason: string; unbuilt?: boolean };

/**
 * Finds, from the /proc/<pid>/cgroup of a BuildKit RUN step, the cgroup directories under which the engine puts
 * every step, as this machine's cgroup filesystem shows them. The engine's BuildKit takes no memory, CPU, pids
 * or cgroup-parent option from the build API (docs/buildkit.md), but this parent is fixed per engine
 * (`<the daemon's cgroup parent>/buildkit` with the cgroupfs driver, `system.slice` with systemd's), so the
 * grader can limit each step's cgroup as it appears. Fails with a reason when the engine is not on this
 * machine's cgroup tree, or its steps cannot be told apart or limited there.
 */
export function locateBuildkitCgroup(procCgroup: string, root = "/sys/fs/cgroup"): Located {
  const lines = procCgroup
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of lines) {
    const [, controllers, where] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (where === undefined) continue;
    if (controllers === "") unified = where;
    else for (const c of controllers.split(",")) v1.set(c, where);
    // v1 lines name their hierarchy's mount ("cpu,cpuacct"): keep that too
    if (controllers) v1.set(`mount:${controllers}`, where);
  }
  const needed = ["memory", "pids", "cpu"];
  if (needed.every((c) => v1.has(c))) {
    const dirs: Record<string, string> = {};
    for (const c of needed) {
      const mount = [...v1.keys()].find((k) => k.startsWith("mount:") && k.slice(6).split(",").includes(c))!.slice(6);
      const dir = path.join(root, mount, path.posix.dirname(v1.get(c)!));
      if (!existsSync(dir))
        return {
          ok: false,
          reason: `the engine's BuildKit steps run in cgroup ${v1.get(c)}, which this machine does not have (${dir}): the engine is not local`,
        };
      dirs[c] = dir;
    }
    return withLayout(1, v1.get("memory")!, dirs);
  }
  if (unified !== undefined && existsSync(path.join(root, "cgroup.controllers"))) {
    if (unified === "/")
      return {
        ok: false,
        reason: "the engine's BuildKit steps run in a cgroup namespace of their own and no step was found on this machine: the engine is not local",
      };
    const dir = path.join(root, path.posix.dirname(unified));
    if (!existsSync(dir))
      return { ok: false, reason: `the engine's BuildKit steps run in cgroup ${unified}, which this machine does not have: the engine is not local` };
    const located = withLayout(2, unified, { unified: dir });
    if (!located.ok) return located;
    const missing = V2_CONTROLLERS.filter((c) => !enabledFor(dir).includes(c));
    if (missing.length)
      return {
        ok: false,
        reason: `the cgroup v2 controller(s) ${missing.join(", ")} are not enabled for the steps under ${located.cgroup.parent} (its cgroup.subtree_control)`,
      };
    return located;
  }
  return { ok: false, reason: `cannot tell the cgroups of the engine's BuildKit steps from: ${lines.join(" | ").slice(0, 300)}` };
}

/**
 * The layouts whose steps can be told apart from everything else by their names (see STEP_NAME): `<id>` under
 * BuildKit's own parent (cgroupfs driver), `docker-<id>.scope` in a systemd slice among other units.
 */
function withLayout(version: 1 | 2, step: string, dirs: Record<string, string>): Located {
  const parent = path.posix.dirname(step);
  const name = path.posix.basename(step);
  const scope = name.startsWith("docker-");
  if (isStepCgroup(name) && (scope ? parent.endsWith(".slice") : path.posix.basename(parent) === "buildkit"))
    return { ok: true, cgroup: { version, parent, dirs, shared: scope } };
  return {
    ok: false,
    reason: `the engine's BuildKit steps run in ${step}, a layout lab-grader does not know (neither <parent>/buildkit/<id> nor <slice>/docker-<id>.scope)`,
  };
}

/** The controllers a v2 cgroup enables for its children. */
function enabledFor(dir: string): string[] {
  try {
    return readFileSync(path.join(dir, "cgroup.subtree_control"), "utf8").trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** What the limiter did with one step's cgroup, for tests and logs. */
export interface LimitedStep {
  name: string;
  controller: string;
  /** False when the step was already past a limit once limited: it was killed. */
  withinLimits: boolean;
  error?: string;
}

/**
 * Writes the build limits into the cgroup of every BuildKit RUN step as it appears (inotify, and a short poll in
 * case an event is missed), before or within milliseconds of the step's first instruction. A step already past
 * a limit by then is killed, so no step runs above its limits for longer than that window.
 */
export class BuildkitLimiter {
  private readonly watchers: FSWatcher[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly seen = new Set<string>();
  readonly limited: LimitedStep[] = [];

  constructor(
    private readonly cgroup: BuildkitCgroup,
    private readonly limits: StepLimits,
    private readonly pollMs = 25,
  ) {}

  start(): this {
    for (const [controller, dir] of Object.entries(this.cgroup.dirs)) {
      for (const name of childDirs(dir)) this.seen.add(`${controller}/${name}`); // steps from before the run are not ours
      const scan = (): void => {
        for (const name of childDirs(dir)) if (isStepCgroup(name)) this.limit(controller, dir, name);
      };
      try {
        this.watchers.push(watch(dir, () => scan()));
      } catch {
        // inotify limits reached: the poll alone still limits every step
      }
      const timer = setInterval(scan, this.pollMs);
      timer.unref();
      this.timers.push(timer);
    }
    return this;
  }

  stop(): void {
    for (const w of this.watchers.splice(0)) w.close();
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  private limit(controller: string, dir: string, name: string): void {
    const key = `${controller}/${name}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const step = path.join(dir, name);
    const record: LimitedStep = { name, controller, withinLimits: true };
    try {
      for (const [file, value] of limitFiles(this.cgroup.version, controller, this.limits)) {
        if (!existsSync(path.join(step, file)) && optionalFiles.has(file)) continue;
        try {
          writeFileSync(path.join(step, file), value);
        } catch (thrown) {
          // v1 refuses a memory limit below what the cgroup already uses (EBUSY): the step is past it
          if ((thrown as NodeJS.ErrnoException).code === "EBUSY") record.withinLimits = false;
          else throw thrown;
        }
      }
      if (record.withinLimits && pastPidsLimit(this.cgroup.version, controller, step, this.limits)) record.withinLimits = false;
      if (!record.withinLimits) killCgroup(step);
    } catch (thrown) {
      // The step may have ended (its cgroup gone) between the event and the write
      if (existsSync(step)) {
        record.error = (thrown as Error).message;
        killCgroup(step);
      }
    }
    this.limited.push(record);
  }
}

const optionalFiles = new Set(["memory.memsw.limit_in_bytes", "memory.swap.max"]);

/** The cgroup files and values that hold a step to `limits`. */
export function limitFiles(version: 1 | 2, controller: string, limits: StepLimits): [string, string][] {
  const quota = String(Math.ceil(limits.cpus * 100_000));
  const memory = String(limits.memoryBytes);
  if (version === 2) {
    return [
      ["memory.max", memory],
      ["memory.swap.max", "0"],
      ["pids.max", String(limits.pids)],
      ["cpu.max", `${quota} 100000`],
    ];
  }
  switch (controller) {
    case "memory":
      return [
        ["memory.limit_in_bytes", memory],
        ["memory.memsw.limit_in_bytes", memory],
      ];
    case "pids":
      return [["pids.max", String(limits.pids)]];
    case "cpu":
      return [
        ["cpu.cfs_period_us", "100000"],
        ["cpu.cfs_quota_us", quota],
      ];
    default:
      return [];
  }
}

function pastPidsLimit(version: 1 | 2, controller: string, step: string, limits: StepLimits): boolean {
  if (version === 1 && controller !== "pids") return false;
  const current = Number(readFileSync(path.join(step, "pids.current"), "utf8"));
  return current > limits.pids;
}

/** The child cgroups (step cgroups) under `dir`; none when it cannot be read. */
export function childDirs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => {
      try {
        return statSync(path.join(dir, name)).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** The processes in a cgroup, as this machine numbers them; none when it is gone. */
export function cgroupPids(cgroupDir: string): number[] {
  try {
    return readFileSync(path.join(cgroupDir, "cgroup.procs"), "utf8")
      .split("\n")
      .map(Number)
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** Sends SIGKILL to every process of a cgroup. */
export function killCgroup(dir: string): void {
  for (const pid of cgroupPids(dir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
