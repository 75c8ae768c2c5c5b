import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli, type CliResult } from "../helpers/cli";
import { loadStandIns, runCliIn, startMatrixEngine, type MatrixEngine } from "../helpers/engine-matrix";
import { copySamples, labVariant } from "../helpers/lab-variant";
import { connectEngine } from "../../grader/engine/client";
import { loadLabSpec } from "../../grader/lab/lab-spec";
import { buildCacheAdded, takeBuildCacheMark, type CacheMark } from "../../grader/engine/buildkit-cache";

const BUDGET_MIB = 128;
const GIB = 1024 ** 3;

interface EngineUnderTest {
  docker: Dockerode;
  grade: (args: string[]) => Promise<CliResult>;
  stop: () => Promise<void>;
}

/** The engine `setup` installs here, and the matrix's Docker 28 with either image store, one after another. */
const ENGINES: [string, () => Promise<EngineUnderTest>][] = [
  ["the host's engine", async () => ({ docker: (await connectEngine()).docker, grade: runCli, stop: async () => undefined })],
  ...(["overlay2", "containerd"] as const).map((mode): [string, () => Promise<EngineUnderTest>] => [
    `Docker 28 with ${mode}`,
    async () => {
      const engine: MatrixEngine = await startMatrixEngine(mode);
      await loadStandIns(engine, loadLabSpec("specs/lab42.yaml").baseImages);
      return { docker: new Dockerode({ socketPath: engine.socketPath }), grade: (args) => runCliIn(engine, args), stop: engine.stop };
    },
  ]),
];

/**
 * Two submissions that write 1 GiB — one in a build step, one from the running app — graded beside an ordinary
 * answer with a disk budget of 128 MiB: each is stopped with a verdict that names the budget, what it wrote is
 * removed, and the ordinary answer keeps its grade.
 */
describe.each(ENGINES)("the disk budget on %s", (_name, start) => {
  let engine: EngineUnderTest;
  let grades: GradesDocument;
  let classicGrades: GradesDocument;
  let cacheMark: CacheMark;
  let largeImagesBefore: Set<string>;

  const largeImages = async (): Promise<Set<string>> =>
    new Set((await engine.docker.listImages({ all: true })).filter((i) => i.Size > GIB).map((i) => i.Id));

  beforeAll(async () => {
    engine = await start();
    largeImagesBefore = await largeImages();
    cacheMark = await takeBuildCacheMark(engine.docker);
    const { labFile, work } = labVariant((yaml) => yaml.replace("  diskBudgetMb: 2048\n", `  diskBudgetMb: ${BUDGET_MIB}\n`));
    const submissions = copySamples(work, ["alice-venv-app"]);
    for (const id of ["fills-disk-build", "fills-disk-run"]) cpSync(path.resolve("test/disk/submissions", id), path.join(submissions, id), { recursive: true });
    const out = path.join(work, "out");
    const result = await engine.grade(["grade", submissions, "--lab", labFile, "--out", out, "--concurrency", "2"]);
    if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
    // The same build with the classic builder, beside the same ordinary answer
    const classicOut = path.join(work, "out-classic");
    const classicOnly = path.join(work, "classic-submissions");
    for (const id of ["alice-venv-app", "fills-disk-build"]) cpSync(path.join(submissions, id), path.join(classicOnly, id), { recursive: true });
    const classic = await engine.grade(["grade", classicOnly, "--lab", labFile, "--out", classicOut, "--concurrency", "2", "--builder", "classic"]);
    if (classic.code !== 0) throw new Error(`grade --builder classic exited ${classic.code}:\n${classic.stderr}\n${classic.stdout}`);
    classicGrades = JSON.parse(readFileSync(path.join(classicOut, "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  afterAll(async () => {
    await engine?.stop();
  }, 120_000);

  const check = (id: string, checkId: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === checkId)!;

  it("stops a build that writes past the budget, with a verdict that names it and the step", () => {
    expect(check("fills-disk-build", "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(new RegExp(`^the build wrote \\d+ MiB to the engine's disk; the budget is ${BUDGET_MIB} MiB; it was stopped at \\[builder 3/5\\] RUN python -m venv`)),
    });
    expect(grades.submissions.find((s) => s.id === "alice-venv-app")!.builder).toBe("buildkit");
  });

  it("stops a classic build that writes past the budget, with the same verdict, and keeps the ordinary answer's grade", () => {
    const classic = (id: string) => classicGrades.submissions.find((s) => s.id === id)!;
    expect(classic("fills-disk-build").checks.find((c) => c.id === "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(new RegExp(`^the build wrote \\d+ MiB to the engine's disk; the budget is ${BUDGET_MIB} MiB; it was stopped at Step 3/\\d+ : RUN python -m venv`)),
    });
    expect(classic("alice-venv-app")).toMatchObject({ score: 10, builder: "classic" });
  });

  it("stops a container that writes past the budget, with a verdict that names it, and does not grade it again", () => {
    expect(check("fills-disk-run", "container-runs")).toMatchObject({
      passed: false,
      message: expect.stringMatching(new RegExp(`^the container wrote \\d+ MiB to the engine's disk; the budget is ${BUDGET_MIB} MiB, so it was stopped`)),
    });
    expect(grades.submissions.find((s) => s.id === "fills-disk-run")!.timingsMs?.regradedAlone).toBeUndefined();
  });

  it("gives the ordinary answer graded beside them its full marks", () => {
    expect(grades.submissions.find((s) => s.id === "alice-venv-app")!.score).toBe(10);
  });

  it("leaves nothing of what they wrote on the engine", async () => {
    expect([...(await largeImages())].filter((id) => !largeImagesBefore.has(id))).toEqual([]);
    expect(await buildCacheAdded(engine.docker, cacheMark)).toEqual([]);
  });
});
