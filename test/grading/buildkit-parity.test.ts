import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connectEngine } from "../../grader/engine/client";
import { buildCacheIds } from "../../grader/engine/buildkit-cache";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { expectedFor, verdictMismatches } from "../helpers/expected-verdicts";

/**
 * Every sample built with BuildKit on the host's engine (`--builder buildkit`): the verdicts the samples get with
 * the classic builder, except what this engine's frontend is too old for. Docker 28's engines: test/engines/.
 */
describe("lab-grader grade --builder buildkit on the sample submissions", () => {
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-buildkit-"));
  let grades: GradesDocument;
  let stderr = "";
  let cacheBefore: Set<string>;

  beforeAll(async () => {
    cacheBefore = await buildCacheIds((await connectEngine()).docker);
    cpSync(path.resolve("submissions"), path.join(work, "submissions"), { recursive: true, verbatimSymlinks: true });
    const result = await runCli(["grade", path.join(work, "submissions"), "--out", path.join(work, "out"), "--builder", "buildkit"]);
    stderr = result.stderr;
    if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(work, "out", "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  it("gives every sample the verdicts it gets with the classic builder on this engine", () => {
    expect(verdictMismatches(grades, expectedFor("samples", grades.engine.version))).toEqual([]);
  });

  it("built every image with BuildKit, its RUN steps capped, and says so", () => {
    const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
    expect(built.length).toBeGreaterThan(15);
    expect(built.filter((s) => s.builder !== "buildkit").map((s) => s.id)).toEqual([]);
    expect(stderr).toMatch(/^BuildKit: RUN steps capped through cgroup \/\S+\/buildkit$/m);
  });

  it("names the failed step as BuildKit does, with its output", () => {
    const dave = grades.submissions.find((s) => s.id === "dave-handout-step3")!.checks.find((c) => c.id === "image-builds")!;
    expect(dave.message).toMatch(/^the build failed at \[stage-1 \d\/\d\] COPY --from=builder \/app\/venv \/app\/venv: .*app\/venv/);
  });

  it("leaves none of the run's BuildKit cache behind", async () => {
    expect([...(await buildCacheIds((await connectEngine()).docker))].filter((id) => !cacheBefore.has(id))).toEqual([]);
  });
});
