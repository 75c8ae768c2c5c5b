import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { ensureXmllint, xmllintErrors } from "../helpers/xmllint";
import { exitCodeFor } from "../helpers/expected-verdicts";

const read = (out: string) => JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;

const verdicts = (out: string) =>
  (JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument).submissions.map((s) => ({
    id: s.id,
    score: s.score,
    checks: Object.fromEntries(s.checks.map((c) => [c.id, c.passed])),
  }));

/** Grading in shards (a CI matrix) and merging gives the same verdicts as one run. */
describe("grade --shard and merge", () => {
  it("merges shards into the verdicts of the unsharded run", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "lab-grader-shards-"));
    const submissions = path.join(work, "submissions");
    for (const id of ["alice-venv-app", "erin-single-stage", "grace-wrong-greeting", "ken-no-dockerfile", "mallory-buildkit-heredoc"]) {
      cpSync(path.resolve("submissions", id), path.join(submissions, id), { recursive: true });
    }
    const whole = path.join(work, "whole");
    // mallory's heredoc is not graded on an engine older than 23.0 (exit 5 there)
    const wholeRun = await runCli(["grade", submissions, "--out", whole]);
    expect(wholeRun.code).toBe(exitCodeFor(read(whole)));

    const shards = [path.join(work, "shard-1"), path.join(work, "shard-2")];
    for (const [i, out] of shards.entries()) {
      const result = await runCli(["grade", submissions, "--out", out, "--shard", `${i + 1}/2`]);
      expect(result.code).toBe(exitCodeFor(read(out)));
      expect(result.stderr).toMatch(new RegExp(`shard ${i + 1}/2: \\d of 5 submission`));
    }
    const sizes = shards.map((out) => verdicts(out).length);
    expect(sizes[0] + sizes[1]).toBe(5);

    const merged = path.join(work, "merged");
    const merge = await runCli(["merge", "--out", merged, ...shards]);
    expect(verdicts(merged)).toEqual(verdicts(whole));
    // the merged set exits as the whole run did, and lists what is left to grade
    expect(merge.code).toBe(wholeRun.code);
    if (merge.code === 5)
      expect(merge.stderr).toMatch(/not graded by the engines that graded them \(1\)[^\n]*\n {2}mallory-buildkit-heredoc: image-builds/);
    ensureXmllint();
    expect(xmllintErrors(path.join(merged, "junit.xml"))).toBe("");
    expect(readFileSync(path.join(merged, "grades.csv"), "utf8").trim().split("\r\n")).toHaveLength(6);

    const overlap = await runCli(["merge", "--out", path.join(work, "bad"), shards[0], shards[0]]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/is in both .* were the shards overlapping\?/);
  }, 600_000);
});
