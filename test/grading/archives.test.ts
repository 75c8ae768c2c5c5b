import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { writeZip, type ZipEntry } from "../helpers/zips";

const filesOf = (dir: string, prefix: string): ZipEntry[] =>
  readdirSync(dir).map((name) => ({ name: `${prefix}${name}`, data: readFileSync(path.join(dir, name), "utf8") }));

/** An LMS bulk download: one .zip per student, some wrapped twice, one hostile, one clashing with a folder. */
describe("grading .zip submissions", () => {
  it("grades archives by their name, refuses hostile ones with a graded 0, and says what it skipped", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "lab-grader-zips-"));
    const submissions = path.join(work, "submissions");
    mkdirSync(submissions);
    const alice = filesOf(path.resolve("submissions/alice-venv-app"), "alice-lab42/");
    writeZip(path.join(submissions, "Alice Ángel_1234_assignsubmission_file.zip"), [{ name: "alice-lab42.zip", zip: alice }]);
    writeZip(path.join(submissions, "mallory.zip"), [...alice.slice(0, 1), { name: "secret", symlinkTo: "/etc/shadow" }]);
    cpSync(path.resolve("submissions/erin-single-stage"), path.join(submissions, "erin"), { recursive: true });
    writeZip(path.join(submissions, "erin.zip"), filesOf(path.resolve("submissions/erin-single-stage"), ""));

    const out = path.join(work, "reports");
    const result = await runCli(["grade", submissions, "--out", out]);
    expect(result.code).toBe(0);
    const grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
    expect(grades.submissions.map((s) => [s.id, s.score])).toEqual([
      ["Alice Ángel_1234_assignsubmission_file", 10],
      ["erin", 6],
      ["mallory", 0],
    ]);
    const mallory = grades.submissions.find((s) => s.id === "mallory")!;
    expect(mallory.checks.find((c) => c.id === "image-builds")!.message).toBe("not built: mallory.zip: refused: secret is a symbolic link");
    expect(grades.skipped).toEqual([{ name: "erin.zip", reason: "a directory named erin is graded instead" }]);
    expect(result.stderr).toMatch(/^skipped erin\.zip: a directory named erin is graded instead$/m);
  }, 600_000);
});
