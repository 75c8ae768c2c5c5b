import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { GradesDocument, SubmissionGrade } from "../report/grades";
import { renderCanvasGradebook } from "./canvas-gradebook";
import { buildGradebook, gradebookFindings } from "./gradebook";
import { renderMoodleGradebook } from "./moodle-gradebook";
import { parseRoster, type Roster } from "./roster";
import { writeGradebooks } from "./write-gradebooks";

const graded = (id: string, score: number, extra: Partial<SubmissionGrade> = {}): SubmissionGrade => ({
  id,
  score,
  maxScore: 10,
  checks: [],
  ...extra,
});

const document = (submissions: SubmissionGrade[], skipped: GradesDocument["skipped"] = []): GradesDocument =>
  ({
    lab: { id: "lab42", title: "Lab 42", file: "lab42.yaml" },
    gradedAt: "2026-11-28T00:20:24.123Z",
    submissions,
    skipped,
  }) as unknown as GradesDocument;

const roster = (text: string): Roster => ({ file: "roster.csv", students: parseRoster(text, "roster.csv") });

/** Parses an export as an importer would, BOM and all, so a BOM shows up in the first header cell. */
const rowsOf = (csv: string): string[][] => parse(csv) as string[][];

// A Canvas download: two students' archives, one of them late; a third student never submitted.
const canvasGrades = document([
  graded("doezoë_12345_67890_lab42", 8),
  graded("smithjohn_LATE_23456_78901_Dockerfile", 10),
  graded("stranger_34567_89012_lab", 4),
]);
const canvasRoster = roster(
  [
    "name,canvas_user_id,sis_id,login,section",
    '"Doe, Zoë",12345,S-1,zdoe,A',
    '"=Smith, John",23456,S-2,jsmith,B',
    '"Brown, Al",45678,S-3,abrown,A',
  ].join("\n"),
);

describe("the Canvas gradebook", () => {
  const rows = rowsOf(renderCanvasGradebook(buildGradebook(canvasGrades, canvasRoster), "Lab 42 (777)"));

  it("has Canvas' student columns, the assignment's column and a Points Possible row", () => {
    expect(rows[0]).toEqual(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 42 (777)"]);
    expect(rows[1]).toEqual(["    Points Possible", "", "", "", "", "10"]);
    expect(rows.every((row) => row.length === 6)).toBe(true);
  });

  it("has every roster student in its order — one without a submission with an empty grade — then the submission it does not name", () => {
    expect(rows.slice(2)).toEqual([
      ["Doe, Zoë", "12345", "S-1", "zdoe", "A", "8"],
      ["'=Smith, John", "23456", "S-2", "jsmith", "B", "10"],
      ["Brown, Al", "45678", "S-3", "abrown", "A", ""],
      ["stranger", "34567", "", "", "", "4"],
    ]);
  });

  it("has no byte order mark unless asked, and one when asked", () => {
    const gradebook = buildGradebook(canvasGrades, canvasRoster);
    expect(renderCanvasGradebook(gradebook, "Lab 42").startsWith("\ufeff")).toBe(false);
    const withBom = renderCanvasGradebook(gradebook, "Lab 42", { bom: true });
    expect(withBom.startsWith("\ufeff")).toBe(true);
    expect(rowsOf(withBom)[0][0]).toBe("\ufeffStudent");
    expect(parse(withBom, { bom: true })[0][0]).toBe("Student");
  });

  it("without a roster, takes the user id from the file name", () => {
    const only = rowsOf(renderCanvasGradebook(buildGradebook(canvasGrades), "Lab 42"));
    expect(only.slice(2).map((row) => [row[0], row[1], row[5]])).toEqual([
      ["doezoë", "12345", "8"],
      ["smithjohn", "23456", "10"],
      ["stranger", "34567", "4"],
    ]);
  });
});

// A Moodle download: folders named "<Full name>_<participant id>_assignsubmission_file".
const moodleGrades = document([
  graded("Zoë O'Brien_123456_assignsubmission_file", 7),
  graded("Jean Marc Dupont_77_assignsubmission_file_", 9),
  graded("Jean Marc Dupont_77_assignsubmission_onlinetext_", 0),
  graded("Nadia Ngata_88_assignsubmission_file", 0, { graderError: "the engine went away" }),
  graded("handed-in-by-mail", 6),
]);
const moodleRoster = roster(
  [
    "Identifier,Full name,Email address,ID number",
    "Participant 123456,Zoë O'Brien,zoe@example.edu,1001",
    "Participant 77,Jean Marc Dupont,jean@example.edu,1002",
    "Participant 88,Nadia Ngata,nadia@example.edu,1003",
    "Participant 99,Ola Nordmann,ola@example.edu,1004",
  ].join("\n"),
);

describe("the Moodle gradebook", () => {
  const rows = rowsOf(renderMoodleGradebook(buildGradebook(moodleGrades, moodleRoster)));

  it("has the grading worksheet's columns and a note", () => {
    expect(rows[0]).toEqual([
      "Identifier",
      "Full name",
      "Email address",
      "Username",
      "ID number",
      "Grade",
      "Maximum grade",
      "Last modified (grade)",
      "lab-grader note",
    ]);
  });

  it("lists every student, with why one has no grade, and the submission the roster does not name", () => {
    expect(rows.slice(1)).toEqual([
      ["Participant 123456", "Zoë O'Brien", "zoe@example.edu", "", "1001", "7", "10", "2026-11-28T00:20:24Z", ""],
      [
        "Participant 77",
        "Jean Marc Dupont",
        "jean@example.edu",
        "",
        "1002",
        "9",
        "10",
        "2026-11-28T00:20:24Z",
        "also submitted: Jean Marc Dupont_77_assignsubmission_onlinetext_ (0/10); the best score is the grade",
      ],
      [
        "Participant 88",
        "Nadia Ngata",
        "nadia@example.edu",
        "",
        "1003",
        "",
        "10",
        "",
        "not graded: the grader failed on Nadia Ngata_88_assignsubmission_file (its report says why); grade it again with --only",
      ],
      ["Participant 99", "Ola Nordmann", "ola@example.edu", "", "1004", "", "10", "", "no submission"],
      ["", "handed-in-by-mail", "", "", "", "6", "10", "2026-11-28T00:20:24Z", "not in the roster; its name has no Canvas or Moodle id"],
    ]);
  });

  it("says a student's submission was not graded (--only with no earlier grade), not that there was none", () => {
    const grades = document(
      [],
      [{ name: "Ola Nordmann_99_assignsubmission_file", reason: "no earlier result to reuse (--only grades just one submission)" }],
    );
    expect(buildGradebook(grades, moodleRoster).entries[3].note).toBe(
      "not graded: Ola Nordmann_99_assignsubmission_file: no earlier result to reuse (--only grades just one submission)",
    );
  });
});

describe("matching", () => {
  it("prefers the roster's exact submission id to an id in the name", () => {
    const gradebook = buildGradebook(
      document([graded("doezoë_12345_67890_lab42", 8)]),
      roster("name,submission,canvas_user_id\nPat,doezoë_12345_67890_lab42,555\nZoë,,12345\n"),
    );
    expect(gradebook.entries.map((e) => [e.student?.name, e.score])).toEqual([
      ["Pat", 8],
      ["Zoë", undefined],
    ]);
  });

  it("lists what the instructor must see, one line each", () => {
    expect(gradebookFindings(buildGradebook(canvasGrades, canvasRoster), ["canvas", "moodle"])).toEqual([
      "2 of 3 student(s) in roster.csv have a grade",
      "Brown, Al (line 4): no submission",
      "stranger_34567_89012_lab: not in the roster",
      "gradebook-moodle.csv: 4 row(s) have no participant id: the grading worksheet upload skips them",
      "gradebook-moodle.csv: 1 row(s) have neither Email address nor ID number: delete them before a gradebook CSV import, which would give their grade to the row above",
    ]);
  });
});

describe("writeGradebooks", () => {
  it("writes the formats asked for, with a BOM only when asked", () => {
    const out = mkdtempSync(path.join(tmpdir(), "lab-grader-gradebooks-"));
    writeGradebooks(out, canvasGrades, { formats: ["canvas", "moodle"], roster: canvasRoster, bom: true });
    expect(readFileSync(path.join(out, "gradebook-canvas.csv"), "utf8").startsWith("\ufeffStudent,ID,")).toBe(true);
    expect(readFileSync(path.join(out, "gradebook-moodle.csv"), "utf8").startsWith("\ufeffIdentifier,")).toBe(true);
    const plain = mkdtempSync(path.join(tmpdir(), "lab-grader-gradebooks-"));
    writeGradebooks(plain, canvasGrades, { formats: ["canvas"], bom: false });
    expect(readFileSync(path.join(plain, "gradebook-canvas.csv"), "utf8").startsWith("Student,ID,")).toBe(true);
    expect(rowsOf(readFileSync(path.join(plain, "gradebook-canvas.csv"), "utf8"))[0][5]).toBe("Lab 42");
  });
});
