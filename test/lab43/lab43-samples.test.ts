import { cpSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { LAB43, lab43Verdicts, verdictMismatches } from "../helpers/expected-verdicts";

/**
 * Lab 43 (a Go service built in golang:1.24 and shipped FROM scratch), graded end to end by its YAML alone: no
 * spec file of its own, no Lab 42 code path. Every sample and the reference solution, real builds and runs.
 */
describe("Lab 43 on the sample submissions", () => {
  let grades: GradesDocument;
  let stderr = "";

  beforeAll(async () => {
    const work = mkdtempSync(path.join(tmpdir(), "lab-grader-lab43-"));
    const submissions = path.join(work, "submissions");
    cpSync(LAB43.samples, submissions, { recursive: true });
    cpSync(LAB43.solution, path.join(submissions, "reference-solution"), { recursive: true });
    const result = await runCli(["grade", submissions, "--lab", LAB43.spec, "--out", path.join(work, "out")]);
    stderr = result.stderr;
    if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(work, "out", "results.json"), "utf8")) as GradesDocument;
  }, 1_500_000);

  it("has an expected verdict for every sample and a sample for every expected verdict", () => {
    expect(Object.keys(lab43Verdicts()).sort()).toEqual(readdirSync(LAB43.samples).sort());
  });

  it("gives every sample the verdicts the official image and a current engine would give", () => {
    expect(verdictMismatches(grades, lab43Verdicts())).toEqual([]);
    for (const submission of grades.submissions) expect({ id: submission.id, graderError: submission.graderError }).toEqual({ id: submission.id });
  });

  it("measures against Lab 43's own reference, and gives it full marks", () => {
    const reference = grades.submissions.find((s) => s.id === "reference-solution")!;
    expect(reference.score).toBe(12);
    expect(grades.reference.referenceBytes).toBe(reference.imageBytes);
    // A static binary FROM scratch: a few MB, against the hundreds of the single-stage build on golang:1.24.
    expect(grades.reference.referenceBytes).toBeLessThan(20e6);
    expect(grades.reference.baselineBytes / grades.reference.referenceBytes).toBeGreaterThan(20);
  });

  it("says why a binary built with cgo does not start in scratch, with the lab's hint for it", () => {
    const dave = grades.submissions.find((s) => s.id === "dave-cgo-dynamic")!.checks.find((c) => c.id === "container-runs")!;
    expect(dave.message).toMatch(/exec \/server: no such file or directory/);
    expect(dave.hint).toMatch(/CGO_ENABLED=0/);
    const pablo = grades.submissions.find((s) => s.id === "pablo-shell-entrypoint")!.checks.find((c) => c.id === "container-runs")!;
    expect(pablo).toMatchObject({
      reason: "not-started",
      message: expect.stringMatching(/^the container could not be started: .*stat \/bin\/sh: no such file or directory/),
    });
  });

  it("leaves no container behind, also of the containers the engine could not start", () => {
    expect(stderr).not.toMatch(/left \d+ container/);
  });
});
