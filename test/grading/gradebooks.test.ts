import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { runCli } from "../helpers/cli";
import { writeZip, type ZipEntry } from "../helpers/zips";

const filesOf = (dir: string): ZipEntry[] => readdirSync(dir).map((name) => ({ name, data: readFileSync(path.join(dir, name), "utf8") }));

/** A Canvas "Download Submissions" zip, unpacked: one archive per student, named the way Canvas names them. */
describe("grade --gradebook canvas --roster", () => {
  it("writes Canvas' import layout with every student of the roster, the one who did not submit included", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "lab-grader-gradebook-"));
    const submissions = path.join(work, "submissions");
    mkdirSync(submissions);
    writeZip(path.join(submissions, "doezoë_12345_67890_lab42.zip"), filesOf(path.resolve("submissions/alice-venv-app")));
    writeZip(path.join(submissions, "smithjohn_LATE_23456_78901_lab42.zip"), filesOf(path.resolve("submissions/erin-single-stage")));
    const roster = path.join(work, "roster.csv");
    writeFileSync(
      roster,
      'Student,ID,SIS User ID,SIS Login ID,Section\n"Doe, Zoë",12345,S-1,zdoe,A\n"Smith, John",23456,S-2,jsmith,A\n"Brown, Al",45678,S-3,abrown,B\n',
    );

    const out = path.join(work, "reports");
    const result = await runCli([
      "grade",
      submissions,
      "--out",
      out,
      "--roster",
      roster,
      "--gradebook",
      "canvas",
      "--canvas-assignment",
      "Lab 42 (777)",
    ]);
    expect(result.code).toBe(0);
    const rows = parse(readFileSync(path.join(out, "gradebook-canvas.csv"), "utf8")) as string[][];
    expect(rows).toEqual([
      ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 42 (777)"],
      ["    Points Possible", "", "", "", "", "10"],
      ["Doe, Zoë", "12345", "S-1", "zdoe", "A", "10"],
      ["Smith, John", "23456", "S-2", "jsmith", "A", "6"],
      ["Brown, Al", "45678", "S-3", "abrown", "B", ""],
    ]);
    expect(result.stderr).toMatch(/^gradebook: 2 of 3 student\(s\) in .*roster\.csv have a grade$/m);
    expect(result.stderr).toMatch(/^gradebook: Brown, Al \(line 4\): no submission$/m);
  }, 600_000);
});
