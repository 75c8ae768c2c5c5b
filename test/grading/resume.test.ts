import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";

const read = (out: string) => JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
const scores = (grades: GradesDocument) => grades.submissions.map((s) => [s.id, s.score]);

/** Bulk runs that can be resumed: each grade is kept as it finishes, keyed by what was graded. */
describe("grade --resume and --only", () => {
  it("reuses unchanged submissions, regrades changed ones, and regrades one on demand", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "lab-grader-resume-"));
    const submissions = path.join(work, "submissions");
    const out = path.join(work, "reports");
    cpSync(path.resolve("submissions/alice-venv-app"), path.join(submissions, "alice"), { recursive: true });
    cpSync(path.resolve("submissions/grace-wrong-greeting"), path.join(submissions, "grace"), { recursive: true });

    const first = await runCli(["grade", submissions, "--out", out]);
    expect(first.code).toBe(0);
    expect(scores(read(out))).toEqual([
      ["alice", 10],
      ["grace", 8],
    ]);

    const resumed = await runCli(["grade", submissions, "--out", out, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/reusing 2 earlier result\(s\)/);
    expect(resumed.stderr).toMatch(/grading 0 submission\(s\)/);
    expect(scores(read(out))).toEqual([
      ["alice", 10],
      ["grace", 8],
    ]);

    // grace fixes her greeting: only she is graded again.
    const app = path.join(submissions, "grace", "app.py");
    writeFileSync(app, readFileSync(app, "utf8").replace("Hello, World!", "Hello, Docker Multi-Stage Build!"));
    const changed = await runCli(["grade", submissions, "--out", out, "--resume"]);
    expect(changed.stderr).toMatch(/reusing 1 earlier result\(s\)/);
    expect(changed.stderr).toMatch(/^\[1\/1\] grace: 10\/10$/m);
    expect(scores(read(out))).toEqual([
      ["alice", 10],
      ["grace", 10],
    ]);

    const only = await runCli(["grade", submissions, "--out", out, "--only", "alice"]);
    expect(only.code).toBe(0);
    expect(only.stderr).toMatch(/^\[1\/1\] alice: 10\/10$/m);
    const combined = read(out);
    expect(scores(combined)).toEqual([
      ["alice", 10],
      ["grace", 10],
    ]);
    expect(readFileSync(path.join(out, "grades.csv"), "utf8").trim().split("\r\n")).toHaveLength(3);
    expect(readFileSync(path.join(out, "junit.xml"), "utf8")).toContain('testsuite name="grace"');

    const unknown = await runCli(["grade", submissions, "--out", out, "--only", "nobody"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--only nobody: no submission directory with that name/);
  }, 600_000);
});
