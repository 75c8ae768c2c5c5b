import { cpSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildImage } from "../../grader/engine/build";
import { connectEngine } from "../../grader/engine/client";
import { NoWaitStrategy } from "../../grader/engine/no-wait-strategy";
import { CONTAINER_LOG_FILES, SandboxedContainer } from "../../grader/engine/sandboxed-container";
import type { GradesDocument } from "../../grader/report/grades";
import { prepareBuildContext } from "../../grader/submission/context";
import { runCli } from "../helpers/cli";
import { expectedVerdicts } from "../helpers/expected-verdicts";

const FLOODER = path.resolve("test/fairness/submissions/flood-then-serve");

/**
 * A correct answer that floods its log before serving passes alone; graded beside CPU-, memory- and fork-heavy
 * submissions and two ordinary ones (builds running meanwhile), it must get the same grade.
 */
describe("verdicts that do not depend on the neighbours", () => {
  let grades: GradesDocument;

  beforeAll(async () => {
    const submissions = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-fairness-")), "submissions");
    cpSync(path.resolve("test/fairness/submissions"), submissions, { recursive: true });
    for (const id of ["fork-storm", "memory-hog-run", "log-flood-run"])
      cpSync(path.resolve("test/hostile/submissions", id), path.join(submissions, id), { recursive: true });
    for (const id of ["alice-venv-app", "laura-venv-in-final-stage"])
      cpSync(path.resolve("submissions", id), path.join(submissions, id), { recursive: true });
    const out = path.join(path.dirname(submissions), "out");
    const result = await runCli(["grade", submissions, "--out", out, "--concurrency", "2", "--probe-timeout", "20"]);
    if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  it("gives the log flooder full marks, as it gets alone", () => {
    const flooder = grades.submissions.find((s) => s.id === "flood-then-serve")!;
    expect(flooder.checks.filter((c) => !c.passed)).toEqual([]);
    expect(flooder.score).toBe(10);
  });

  it("counts a failure to answer beside other submissions only once it is confirmed with nothing else running", () => {
    // The CPU hog never answers; the whole run was beside the others' builds and runs, so it ran a second time.
    const hog = grades.submissions.find((s) => s.id === "cpu-hog")!;
    expect(hog.checks.find((c) => c.id === "greeting-served")!.message).toMatch(/\(the same when graded a second time with nothing else running\)$/);
    expect(hog.timingsMs!.regradedAlone).toBeGreaterThan(0);
  });

  it("keeps the ordinary submissions' verdicts", () => {
    const expected = expectedVerdicts(grades.engine.version);
    for (const id of ["alice-venv-app", "laura-venv-in-final-stage"]) {
      const checks = grades.submissions.find((s) => s.id === id)!.checks;
      const verdicts = Object.fromEntries(checks.map((c) => [c.id, c.passed]));
      // The messages ride along on a mismatch only, so that a failure says why.
      const mismatched = checks.filter((c) => c.passed !== expected[id][c.id]).map((c) => `${c.id}: ${c.message}`);
      expect({ id, verdicts, mismatched }).toEqual({ id, verdicts: expected[id], mismatched: [] });
    }
  });
});

describe("container logs on the engine's disk", () => {
  it("stay within the cap while the app floods them", async () => {
    const engine = await connectEngine();
    const context = await prepareBuildContext(FLOODER);
    if (!context.ok) throw new Error(context.message);
    const tag = `lab-grader-test/flood-then-serve:${process.pid}`;
    const built = await buildImage(engine.docker, { context: context.tar(), tags: [tag], timeoutMs: 300_000 });
    if (!built.ok) throw new Error(`did not build: ${built.error}`);
    const container = await new SandboxedContainer(tag)
      .withSandbox({ memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 })
      .withWaitStrategy(new NoWaitStrategy())
      .start();
    try {
      const handle = engine.docker.getContainer(container.getId());
      // The flood (300 MiB) is over once the app serves; sh's child exiting is the sign python moved on.
      const deadline = Date.now() + 120_000;
      let logPath = "";
      while (Date.now() < deadline) {
        const state = await handle.inspect();
        logPath = state.LogPath;
        const top = (await handle.top().catch(() => ({ Processes: [] as string[][] }))) as { Processes: string[][] };
        if (top.Processes.some((p) => p.join(" ").includes("app.py")) && !top.Processes.some((p) => p.join(" ").includes("flood.py"))) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const size = (file: string): number => {
        try {
          return statSync(file).size;
        } catch {
          return 0;
        }
      };
      const onDisk = Array.from({ length: CONTAINER_LOG_FILES.maxFiles }, (_, i) => size(i ? `${logPath}.${i}` : logPath)).reduce((a, b) => a + b, 0);
      // A line of ~1 KiB encoded as JSON may push a file a little past its rotation point.
      expect(onDisk).toBeLessThanOrEqual(CONTAINER_LOG_FILES.maxSizeBytes * CONTAINER_LOG_FILES.maxFiles + 64 * 1024);
      expect(onDisk).toBeGreaterThan(CONTAINER_LOG_FILES.maxSizeBytes / 2);
    } finally {
      await container.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => undefined);
      await engine.docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }, 300_000);
});
