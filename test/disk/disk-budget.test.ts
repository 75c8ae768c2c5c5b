import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli, type CliResult } from "../helpers/cli";
import { runCliIn } from "../helpers/engine-matrix";
import { startSmallDiskEngine } from "./small-disk-engine";
import { copySamples, labVariant } from "../helpers/lab-variant";
import { connectEngine } from "../../grader/engine/client";
import { takeBuildCacheMark, type CacheMark } from "../../grader/engine/buildkit-cache";
import { cacheLeftSince } from "../helpers/kept-cache";
import { keptCacheOf, trimKeptCache } from "../../grader/engine/kept-build-cache";
import { runCommand } from "../../grader/common/run-command";
import { overshootAllowance } from "../../grader/grading/disk-floor";

const BUDGET_MIB = 128;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
/** The size of the filesystem the Docker 28 engines store everything on here. */
const SMALL_DISK_MIB = 3072;

interface EngineUnderTest {
  docker: Dockerode;
  grade: (args: string[]) => Promise<CliResult>;
  stop: () => Promise<void>;
  /** Set for an engine whose data root is a small filesystem of its own: its free space, as the engine sees it. */
  freeBytes?: () => number;
  /** Where a test may put a file on that filesystem. */
  dataRoot?: string;
}

/** Where the host's engine keeps its data, as `setup` installs it. */
const HOST_DATA_ROOT = "/var/lib/docker";

/**
 * The engine `setup` installs here, on this machine's disk: its writers stop after 1 GiB, so a grader that failed
 * to stop them could not fill the disk. The matrix's Docker 28 with either image store, one after another, each
 * on a 3 GiB filesystem of its own: there the writers write until the disk is full, and the engine's floor is
 * tested too.
 */
const ENGINES: [string, boolean, () => Promise<EngineUnderTest>][] = [
  ["the host's engine", false, async () => ({ docker: (await connectEngine()).docker, grade: runCli, stop: async () => undefined })],
  ...(["overlay2", "containerd"] as const).map((mode): [string, boolean, () => Promise<EngineUnderTest>] => [
    `Docker 28 with ${mode} on a ${SMALL_DISK_MIB} MiB disk`,
    true,
    async () => {
      const engine = await startSmallDiskEngine(mode, SMALL_DISK_MIB);
      return { ...engine, grade: (args: string[]) => runCliIn(engine.matrix, args) };
    },
  ]),
];

/**
 * The disk writers, made to write without end where the engine's disk is small; throttled, they write about
 * 40 MB/s (4 MiB, then a pause of 100 ms), as a slow disk would take it.
 */
function copyWriters(submissions: string, ids: string[], options: { endless: boolean; throttled: boolean }): void {
  for (const id of ids) {
    const target = path.join(submissions, id);
    cpSync(path.resolve("test/disk/submissions", id), target, { recursive: true });
    const edit = (file: string, from: string, to: string): void => {
      const text = readFileSync(path.join(target, file), "utf8");
      if (!text.includes(from)) throw new Error(`${id}/${file} no longer has ${from}`);
      writeFileSync(path.join(target, file), text.replace(from, to));
    };
    if (id === "fills-disk-build") {
      const blocks = options.endless ? "" : " count=1024";
      const write = options.throttled
        ? `for i in $(seq 1 ${options.endless ? 100000 : 256}); do dd if=/dev/zero bs=1M count=4 2>/dev/null >> /fill; sleep 0.1; done`
        : `dd if=/dev/zero of=/fill bs=1M${blocks}`;
      edit("Dockerfile", "dd if=/dev/zero of=/fill bs=1M count=1024", write);
    }
    if (id === "fills-disk-run") {
      if (options.endless) edit("app.py", "for _ in range(1024):", "while True:");
      if (options.throttled)
        edit("app.py", "        fill.write(block)\n", "        fill.write(block)\n        fill.flush()\n        __import__('time').sleep(0.025)\n");
    }
  }
}

/** How fast a buffered writer (dd, 1 MiB blocks, as the writers write) fills `dir`: bytes a second. */
async function bufferedWriteSpeed(dir: string): Promise<number> {
  const file = path.join(dir, "lab-grader-test-speed");
  let fastest = 0;
  // The fastest of three: a writer's bursts land in the page cache as fast as a warm one does
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    const written = await runCommand("dd", ["if=/dev/zero", `of=${file}`, "bs=1M", "count=256"]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rmSync(file, { force: true });
    if (written.exitCode !== 0) throw new Error(`dd into ${dir}: ${written.output}`);
    fastest = Math.max(fastest, (256 * MIB) / seconds);
  }
  return fastest;
}

/** What a verdict says a submission wrote: "wrote N MiB to the engine's disk". */
const writtenMib = (message: string | undefined): number => Number(/wrote (\d+) MiB to the engine's disk/.exec(message ?? "")?.[1]);

/** Reads `free` every 20 ms while `work` runs; resolves with its result and the least free space seen. */
async function watchingFreeSpace<T>(free: () => number, work: Promise<T>): Promise<{ result: T; lowest: number }> {
  let lowest = free();
  const timer = setInterval(() => (lowest = Math.min(lowest, free())), 20);
  try {
    return { result: await work, lowest };
  } finally {
    clearInterval(timer);
  }
}

const gradesIn = (out: string): GradesDocument => JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
const mustPass = (what: string, result: CliResult): void => {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
};

/**
 * Two submissions that write past a 128 MiB disk budget — one in a build step, one from the running app — graded
 * beside an ordinary answer: each is stopped with a verdict that names the budget, what it wrote is removed, and
 * the ordinary answer keeps its grade. On the small disks, with a floor 1 GiB under the free space, the free space
 * never falls under the floor; and a run that cannot keep the floor stops with exit 3, keeping what it graded.
 */
describe.each(ENGINES)("the disk budget on %s", (_name, smallDisk, start) => {
  let engine: EngineUnderTest;
  let grades: GradesDocument;
  let classicGrades: GradesDocument;
  let throttledGrades: GradesDocument;
  /** This machine's buffered write speed, bytes a second. */
  let speed = 0;
  let cacheMark: CacheMark;
  let largeImagesBefore: Set<string>;
  let floorBytes = 0;
  let lowestFree: number[] = [];
  const floorRuns: Record<"graded" | "stopped" | "resumed", { result: CliResult; grades: GradesDocument; lowest: number }> = {} as never;
  let floorRunFloorBytes = 0;

  const largeImages = async (): Promise<Set<string>> =>
    new Set((await engine.docker.listImages({ all: true })).filter((i) => i.Size > GIB).map((i) => i.Id));

  /** Grades, reading the free space meanwhile where the disk is small. */
  const grade = async (args: string[]): Promise<{ result: CliResult; lowest: number }> =>
    engine.freeBytes ? watchingFreeSpace(engine.freeBytes, engine.grade(args)) : { result: await engine.grade(args), lowest: Infinity };

  beforeAll(async () => {
    engine = await start();
    largeImagesBefore = await largeImages();
    cacheMark = await takeBuildCacheMark(engine.docker);
    // The floor test's first run comes first: it builds the reference (when this engine has not yet), so that the
    // budget runs' floor below is measured with the reference on the disk.
    const floorLab = smallDisk ? await startFloorRuns() : undefined;
    if (smallDisk) floorBytes = Math.floor((engine.freeBytes!() - GIB) / MIB) * MIB;
    if (floorBytes < 0) throw new Error(`the engine's disk has less than 1 GiB free before the test: ${engine.freeBytes!()} bytes`);
    const { labFile, work } = labVariant((yaml) =>
      yaml.replace("  diskBudgetMb: 2048\n  diskFloorMb: 2048\n", `  diskBudgetMb: ${BUDGET_MIB}\n  diskFloorMb: ${floorBytes / MIB}\n`),
    );
    // Two writers at once, each as fast as this machine's disk takes buffered writes, for a whole reaction time
    speed = await bufferedWriteSpeed(engine.dataRoot ?? HOST_DATA_ROOT);
    const submissions = copySamples(work, ["alice-venv-app"]);
    copyWriters(submissions, ["fills-disk-build", "fills-disk-run"], { endless: smallDisk, throttled: false });
    const out = path.join(work, "out");
    const run = await grade(["grade", submissions, "--lab", labFile, "--out", out, "--concurrency", "2"]);
    mustPass("grade", run.result);
    grades = gradesIn(out);
    // The same build with the classic builder, beside the same ordinary answer
    const classicOut = path.join(work, "out-classic");
    const classicOnly = path.join(work, "classic-submissions");
    for (const id of ["alice-venv-app", "fills-disk-build"]) cpSync(path.join(submissions, id), path.join(classicOnly, id), { recursive: true });
    const classic = await grade(["grade", classicOnly, "--lab", labFile, "--out", classicOut, "--concurrency", "2", "--builder", "classic"]);
    mustPass("grade --builder classic", classic.result);
    classicGrades = gradesIn(classicOut);
    // The same writers, throttled
    const throttledOnly = path.join(work, "throttled-submissions");
    copyWriters(throttledOnly, ["fills-disk-build", "fills-disk-run"], { endless: smallDisk, throttled: true });
    const throttledOut = path.join(work, "out-throttled");
    const throttled = await grade(["grade", throttledOnly, "--lab", labFile, "--out", throttledOut, "--concurrency", "2"]);
    mustPass("grade (throttled writers)", throttled.result);
    throttledGrades = gradesIn(throttledOut);
    lowestFree = [run.lowest, classic.lowest, throttled.lowest];
    if (floorLab) await finishFloorRuns(floorLab);
  }, 1_500_000);

  /**
   * The floor's runs, on a lab with a 512 MiB budget and a floor 1.5 GiB under the free space: alice is graded;
   * then, with a file of the test's leaving the engine room for the floor, one budget and 150 MiB, big-layer
   * (whose build writes 250 MiB) is added and `--resume` run: its build may start, its run may not, and nothing
   * under way would free room, so the run stops with exit 3 — alice's grade kept. With the file gone, `--resume`
   * grades big-layer.
   */
  async function startFloorRuns(): Promise<{ labFile: string; work: string; submissions: string; out: string }> {
    const budgetMib = 512;
    floorRunFloorBytes = Math.floor((engine.freeBytes!() - 1.5 * GIB) / MIB) * MIB;
    const { labFile, work } = labVariant((yaml) =>
      yaml.replace("  diskBudgetMb: 2048\n  diskFloorMb: 2048\n", `  diskBudgetMb: ${budgetMib}\n  diskFloorMb: ${floorRunFloorBytes / MIB}\n`),
    );
    const submissions = copySamples(work, ["alice-venv-app"]);
    const out = path.join(work, "out");
    const run = await grade(["grade", submissions, "--lab", labFile, "--out", out]);
    mustPass("grade (floor, first run)", run.result);
    floorRuns.graded = { ...run, grades: gradesIn(out) };
    return { labFile, work, submissions, out };
  }

  async function finishFloorRuns(lab: { labFile: string; submissions: string; out: string }): Promise<void> {
    const bigLayer = path.join(lab.submissions, "big-layer");
    cpSync(path.resolve("test/disk/submissions/big-layer"), bigLayer, { recursive: true });
    // Its build must write its 250 MiB here, not find them in the BuildKit cache an earlier test run kept
    const dockerfile = readFileSync(path.join(bigLayer, "Dockerfile"), "utf8");
    if (!dockerfile.includes("count=250")) throw new Error("big-layer's Dockerfile no longer writes count=250");
    writeFileSync(
      path.join(bigLayer, "Dockerfile"),
      dockerfile.replace("count=250", `count=250 && echo ${process.pid}-${Date.now()} > /dataset-run`),
    );
    // Nothing kept from earlier runs that the grader could free: the room is only what the ballast leaves. The
    // engine refuses to prune a record for a moment after the build that used it ended.
    const kept = keptCacheOf(engine.docker, await engine.docker.info());
    let left = await trimKeptCache(kept, 0);
    for (let i = 0; i < 30 && left.records; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      left = await trimKeptCache(kept, 0);
    }
    if (left.records) throw new Error(`${left.records} build cache record(s) the grader kept on this engine could not be removed`);
    const ballast = path.join(engine.dataRoot!, "lab-grader-test-ballast");
    const room = floorRunFloorBytes + 512 * MIB + overshootAllowance() + 150 * MIB;
    const ballastBytes = engine.freeBytes!() - room;
    if (ballastBytes <= 0) throw new Error(`the engine's disk has less free space than the test needs (${room} bytes)`);
    const made = await runCommand("fallocate", ["-l", String(ballastBytes), ballast]);
    if (made.exitCode !== 0) throw new Error(`fallocate: ${made.output}`);
    try {
      const stopped = await grade(["grade", lab.submissions, "--lab", lab.labFile, "--out", lab.out, "--resume"]);
      floorRuns.stopped = { ...stopped, grades: gradesIn(lab.out) };
    } finally {
      rmSync(ballast, { force: true });
    }
    const resumed = await grade(["grade", lab.submissions, "--lab", lab.labFile, "--out", lab.out, "--resume"]);
    floorRuns.resumed = { ...resumed, grades: gradesIn(lab.out) };
  }

  afterAll(async () => {
    if (engine?.dataRoot && existsSync(engine.dataRoot)) rmSync(path.join(engine.dataRoot, "lab-grader-test-ballast"), { force: true });
    await engine?.stop();
  }, 120_000);

  /**
   * Each verdict of a run says the writer wrote past its budget, and no more than the bound — two writers at this
   * machine's write speed for the run's reaction time (its longest gap between two reads of the free space and its
   * slowest freeze, as the run reports them) — and, whatever the speed, no more past it than the guard says a
   * frozen work could have been (what a writer the freeze did not stop would pass).
   */
  const expectWithinBound = (doc: GradesDocument, ids: [string, string][]): void => {
    const guard = doc.engine.diskGuard;
    expect(guard).toMatchObject({ allowanceBytes: overshootAllowance(), checks: expect.any(Number) });
    const reactionMs = guard!.longestReadGapMs + guard!.slowestFreezeMs;
    const boundMib = BUDGET_MIB + (2 * speed * (reactionMs / 1000)) / MIB;
    const uncheckedMib = guard!.largestUncheckedBytes / MIB;
    const outside = ids
      .map(([id, checkId]) => ({ id, mib: writtenMib(doc.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === checkId)!.message) }))
      // verdicts round to whole MiB
      .filter(({ mib }) => !(mib >= BUDGET_MIB && mib <= boundMib && mib - BUDGET_MIB <= uncheckedMib + 1));
    expect({ boundMib, uncheckedMib, outside }).toEqual({ boundMib, uncheckedMib, outside: [] });
  };

  const check = (id: string, checkId: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === checkId)!;

  it("stops a build that writes past the budget, with a verdict that names it and the step", () => {
    expect(check("fills-disk-build", "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(
        new RegExp(
          `^the build wrote \\d+ MiB to the engine's disk; the budget is ${BUDGET_MIB} MiB; it was stopped at \\[builder 3/5\\] RUN python -m venv`,
        ),
      ),
    });
    expect(grades.submissions.find((s) => s.id === "alice-venv-app")!.builder).toBe("buildkit");
  });

  it("stops a classic build that writes past the budget, with the same verdict, and keeps the ordinary answer's grade", () => {
    const classic = (id: string) => classicGrades.submissions.find((s) => s.id === id)!;
    expect(classic("fills-disk-build").checks.find((c) => c.id === "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(
        new RegExp(
          `^the build wrote \\d+ MiB to the engine's disk; the budget is ${BUDGET_MIB} MiB; it was stopped at Step 3/\\d+ : RUN python -m venv`,
        ),
      ),
    });
    expect(classic("alice-venv-app")).toMatchObject({ score: 10, builder: "classic" });
  });

  it("stops a container that writes past the budget, with a verdict that names it, and does not grade it again", () => {
    expect(check("fills-disk-run", "container-runs")).toMatchObject({
      passed: false,
      message: expect.stringMatching(
        new RegExp(`^the container wrote \\d+ MiB to the engine's disk; the budget is ${BUDGET_MIB} MiB, so it was stopped`),
      ),
    });
    expect(grades.engine.containerDiskQuota).toMatch(/^none \(/);
    expect(grades.submissions.find((s) => s.id === "fills-disk-run")!.timingsMs?.regradedAlone).toBeUndefined();
  });

  it("gives the ordinary answer graded beside them its full marks", () => {
    expect(grades.submissions.find((s) => s.id === "alice-venv-app")!.score).toBe(10);
  });

  it("stops each writer within the stated bound: its budget plus the overshoot allowance at this machine's write speed", () => {
    expectWithinBound(grades, [
      ["fills-disk-build", "image-builds"],
      ["fills-disk-run", "container-runs"],
    ]);
    expectWithinBound(classicGrades, [["fills-disk-build", "image-builds"]]);
    expect(grades.engine.diskGuard!.checks).toBeGreaterThan(0);
  });

  it("stops throttled writers (a slow disk) within the same bound, with the same verdicts", () => {
    const of = (id: string, checkId: string) => throttledGrades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === checkId)!;
    expect(of("fills-disk-build", "image-builds")).toMatchObject({ passed: false, reason: "disk-budget" });
    expect(of("fills-disk-run", "container-runs")).toMatchObject({ passed: false, reason: "disk-budget" });
    expectWithinBound(throttledGrades, [
      ["fills-disk-build", "image-builds"],
      ["fills-disk-run", "container-runs"],
    ]);
  });

  it("leaves nothing of what they wrote on the engine", async () => {
    expect([...(await largeImages())].filter((id) => !largeImagesBefore.has(id))).toEqual([]);
    // BuildKit's cache keeps the layers of steps that ended within their budget, noted as the grader's; no writer's
    const left = await cacheLeftSince(engine.docker, cacheMark);
    expect({ runOnly: left.runOnly, notKept: left.notKept }).toEqual({ runOnly: [], notKept: [] });
    expect(left.added.filter((r) => /of=\/fill|>> \/fill/.test(r.Description ?? "")).map((r) => `${r.Description}: ${r.Size}`)).toEqual([]);
  });

  if (smallDisk) {
    it("keeps the engine's free space above the floor while writers fill the disk as fast as they can", () => {
      for (const lowest of lowestFree) expect({ lowest, floor: floorBytes, above: lowest >= floorBytes }).toMatchObject({ above: true });
    });

    it("stops with exit 3 when the floor cannot be kept, keeping what it graded and saying what to do", () => {
      const { result, grades: stopped, lowest } = floorRuns.stopped;
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/not graded for lack of disk space on the engine: big-layer/);
      expect(result.stderr).toMatch(/Free space on the engine's disk .*then grade again: `grade --resume` keeps the grades already made/);
      expect(stopped.submissions.find((s) => s.id === "alice-venv-app")).toMatchObject({ score: 10 });
      expect(stopped.submissions.find((s) => s.id === "big-layer")).toMatchObject({
        graderErrorKind: "disk-floor",
        graderError: expect.stringMatching(
          /^the engine's disk has \d+ MiB free; grading a submission needs \d+ MiB \(the floor, \d+ MiB, plus its disk budget, 512 MiB, plus \d+ MiB for what writers can write before they are stopped\)/,
        ),
      });
      expect(lowest).toBeGreaterThanOrEqual(floorRunFloorBytes);
    });

    it("grades what was left with --resume once there is room, reusing what was graded", () => {
      const { result, grades: resumed, lowest } = floorRuns.resumed;
      mustPass("grade --resume", result);
      expect(result.stderr).toMatch(/reusing 1 earlier result/);
      expect(resumed.submissions.map((s) => [s.id, s.score, s.graderError])).toEqual([
        ["alice-venv-app", 10, undefined],
        ["big-layer", 10, undefined],
      ]);
      expect(floorRuns.graded.grades.submissions.map((s) => s.score)).toEqual([10]);
      expect(Math.min(floorRuns.graded.lowest, lowest)).toBeGreaterThanOrEqual(floorRunFloorBytes);
    });
  }
});
