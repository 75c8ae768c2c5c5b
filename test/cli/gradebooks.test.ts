import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { submissionGrade, type SubmissionGrade } from "../../grader/report/grades";
import { HEREDOC_NEEDS, HEREDOC_ON_OLD_ENGINE } from "../helpers/not-graded-checks";
import { gradesDocument } from "../helpers/grades-document";
import { runCli } from "../helpers/cli";

const graded = (id: string, score: number): SubmissionGrade => ({
  id,
  score,
  maxScore: 10,
  checks: [{ id: "image-builds", passed: score > 0, points: score, maxPoints: 10, message: "m" }],
});

/** The results.json a grade run (one shard) writes, with what merge and the reports read. */
function shard(dir: string, submissions: SubmissionGrade[]): string {
  const document = gradesDocument({ lab: { id: "lab42", title: "Lab 42", file: "lab42.yaml" }, gradedAt: "2026-11-28T00:20:24.000Z", submissions });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "results.json"), JSON.stringify(document));
  return dir;
}

/** Gradebooks need the whole class, so sharded runs write them when merged; flags that cannot work are refused. */
describe("gradebooks from the CLI (no engine needed)", () => {
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-gradebook-cli-"));
  const shards = [
    shard(path.join(work, "shard-1"), [graded("doezoë_12345_67890_lab42", 8)]),
    shard(path.join(work, "shard-2"), [graded("stranger_34567_89012_lab", 4)]),
  ];
  const roster = path.join(work, "roster.csv");
  writeFileSync(roster, 'name,canvas_user_id,moodle_participant_id,email\n"Doe, Zoë",12345,,zoe@example.edu\n"Brown, Al",45678,99,al@example.edu\n');

  it("merge writes them from the shards, with every roster student and every submission, and a BOM when asked", async () => {
    const out = path.join(work, "merged");
    const args = [
      "merge",
      "--out",
      out,
      "--roster",
      roster,
      "--gradebook",
      "canvas,moodle",
      "--canvas-assignment",
      "Lab 42 (777)",
      "--csv-bom",
      ...shards,
    ];
    const result = await runCli(args);
    expect(result.code).toBe(0);
    const canvas = readFileSync(path.join(out, "gradebook-canvas.csv"), "utf8");
    expect(canvas.startsWith("\ufeff")).toBe(true);
    expect(readFileSync(path.join(out, "grades.csv"), "utf8").startsWith("\ufeff")).toBe(true);
    expect((parse(canvas, { bom: true }) as string[][]).map((row) => [row[0], row[1], row[5]])).toEqual([
      ["Student", "ID", "Lab 42 (777)"],
      ["    Points Possible", "", "10"],
      ["Doe, Zoë", "12345", "8"],
      ["Brown, Al", "45678", ""],
      ["stranger", "34567", "4"],
    ]);
    const moodle = parse(readFileSync(path.join(out, "gradebook-moodle.csv"), "utf8"), { bom: true, columns: true }) as Record<string, string>[];
    expect(moodle.map((row) => [row.Identifier, row["Email address"], row.Grade, row["lab-grader note"]])).toEqual([
      ["", "zoe@example.edu", "8", ""],
      ["Participant 99", "al@example.edu", "", "no submission"],
      ["", "", "4", "not in the roster"],
    ]);
    expect(result.stderr).toContain("gradebook: 1 of 2 student(s) in");
    expect(result.stderr).toMatch(/^gradebook: Brown, Al \(line 3\): no submission$/m);
    expect(result.stderr).toMatch(/^gradebook: stranger_34567_89012_lab: not in the roster$/m);
    expect(result.stderr).toMatch(/^wrote gradebook-canvas\.csv and gradebook-moodle\.csv to /m);
  });

  it("merge without --csv-bom writes no BOM", async () => {
    const out = path.join(work, "plain");
    expect((await runCli(["merge", "--out", out, "--gradebook", "canvas", ...shards])).code).toBe(0);
    expect(readFileSync(path.join(out, "gradebook-canvas.csv"), "utf8").startsWith("Student,ID,SIS User ID,SIS Login ID,Section,Lab 42\r\n")).toBe(
      true,
    );
    expect(readFileSync(path.join(out, "grades.csv"), "utf8").startsWith('"id",')).toBe(true);
  });

  it("merge exits 5 when a shard left checks not graded, listing them with what would grade them, and writes everything", async () => {
    const old = shard(path.join(work, "shard-old-engine"), [submissionGrade("mallory_1_2_lab42", HEREDOC_ON_OLD_ENGINE, undefined)]);
    const out = path.join(work, "with-not-graded");
    const result = await runCli(["merge", "--out", out, "--gradebook", "canvas", shards[0], old]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `not graded by the engines that graded them (1): grade these again on an engine that can build them, with --resume or --only\n  mallory_1_2_lab42: image-builds; needs ${HEREDOC_NEEDS}`,
    );
    expect(readFileSync(path.join(out, "gradebook-canvas.csv"), "utf8")).toContain("Lab 42");
    expect(readFileSync(path.join(out, "junit.xml"), "utf8")).toContain('type="not-graded"');
  });

  it("refuses a bad roster before merging, naming the line", async () => {
    const bad = path.join(work, "bad.csv");
    writeFileSync(bad, "name,canvas_user_id\nZoë,twelve\n");
    const result = await runCli(["merge", "--out", path.join(work, "never"), "--roster", bad, "--gradebook", "canvas", ...shards]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 2: canvas_user_id "twelve" is not a number');
  });

  it.each([
    [["merge", "--out", "x", "--roster", "r.csv"], "--roster is read for --gradebook"],
    [["merge", "--out", "x", "--gradebook", "moodle", "--canvas-assignment", "Lab"], "--canvas-assignment names the column of --gradebook canvas"],
    [["merge", "--out", "x", "--gradebook", "blackboard"], "expected canvas, moodle or canvas,moodle"],
    [["grade", "submissions", "--shard", "1/2", "--gradebook", "canvas"], "--gradebook with --shard: a shard grades part of the class"],
  ])("refuses %j", async (args, message) => {
    const result = await runCli([...args, ...(args[0] === "merge" ? shards : [])]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
