import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { expectedFor, verdictMismatches, withClassicBuilder } from "../helpers/expected-verdicts";

/**
 * Every sample built with Docker's classic builder on the host's engine (`--builder classic`): the verdicts they
 * get with BuildKit, except that what only BuildKit builds is refused before building, saying why. Docker 28's
 * engines: test/engines/.
 */
describe("lab-grader grade --builder classic on the sample submissions", () => {
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-classic-"));
  let grades: GradesDocument;

  beforeAll(async () => {
    cpSync(path.resolve("submissions"), path.join(work, "submissions"), { recursive: true, verbatimSymlinks: true });
    const result = await runCli(["grade", path.join(work, "submissions"), "--out", path.join(work, "out"), "--builder", "classic"]);
    // 5: what only BuildKit builds is not graded with --builder classic
    if (result.code !== 5) throw new Error(`grade exited ${result.code}, not 5:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(work, "out", "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  it("gives every sample its verdicts, and does not grade what only BuildKit builds", () => {
    expect(verdictMismatches(grades, withClassicBuilder(expectedFor("samples", grades.engine.version), "samples"))).toEqual([]);
    const needsBuildkit = grades.submissions.filter((s) => s.checks.some((c) => c.reason === "engine-cannot"));
    expect(needsBuildkit.length).toBeGreaterThan(0);
    for (const s of needsBuildkit) expect(s.notGraded).toMatchObject({ cause: "engine", needs: "BuildKit (grade without --builder classic)" });
  });

  it("built every image with the classic builder", () => {
    const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
    expect(built.length).toBeGreaterThan(15);
    expect(built.filter((s) => s.builder !== "classic").map((s) => s.id)).toEqual([]);
  });

  it("names the failed step as the classic builder does, and says why BuildKit syntax was not built", () => {
    const check = (id: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === "image-builds")!;
    expect(check("dave-handout-step3").message).toMatch(
      /^the build failed at Step \d+\/\d+ : COPY --from=builder \/app\/venv \/app\/venv: .*app\/venv/,
    );
    expect(check("pablo-run-mount").message).toMatch(
      /^not graded: not built: the Dockerfile uses BuildKit-only syntax: RUN --mount=type=cache \(line 3\), RUN --mount=type=bind \(line 3\), COPY --chmod \(line 10\)\. .*this run builds with Docker's classic builder \(--builder classic\)/,
    );
  });
});
