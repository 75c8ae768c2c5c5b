import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { UserFacingError } from "../common/exit-codes";
import { parseRoster, readRoster, ROSTER_MAX_BYTES } from "./roster";

const problemOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as UserFacingError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error("expected the roster to be refused");
};

const file = (content: string | Buffer): string => {
  const target = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-roster-")), "roster.csv");
  writeFileSync(target, content);
  return target;
};

describe("parseRoster", () => {
  it("reads our columns, in any order and case, with quoted names, accents and a BOM", () => {
    const text =
      '\ufeffName,canvas_user_id,Email,SIS_ID,login,section,submission\r\n"Doe, Zoë",12345,zoe@example.edu,S-1,zdoe,A,\r\n"O\'Brien, Pat",,pat@example.edu,,,,pat_lab42\r\n';
    expect(parseRoster(text, "r.csv")).toEqual([
      { line: 2, name: "Doe, Zoë", canvasUserId: "12345", email: "zoe@example.edu", sisId: "S-1", login: "zdoe", section: "A" },
      { line: 3, name: "O'Brien, Pat", email: "pat@example.edu", submission: "pat_lab42" },
    ]);
  });

  it("reads Canvas' gradebook export as it is, skipping its Points Possible and Manual Posting rows", () => {
    const text = [
      "Student,ID,SIS User ID,SIS Login ID,Section,Lab 42 (777),Current Score",
      ",,,,,Manual Posting,",
      "    Points Possible,,,,,10,(read only)",
      '"Doe, Zoë",12345,S-1,zdoe,Section A,8,80',
      "Test Student,999,,,Section A,,",
    ].join("\n");
    expect(parseRoster(text, "export.csv")).toEqual([
      { line: 4, name: "Doe, Zoë", canvasUserId: "12345", sisId: "S-1", login: "zdoe", section: "Section A" },
      { line: 5, name: "Test Student", canvasUserId: "999", section: "Section A" },
    ]);
  });

  it("reads Moodle's grading worksheet as it is: the participant id from its Identifier", () => {
    const text =
      "Identifier,Full name,Email address,Status,Grade\nParticipant 123456,Zoë Doe,zoe@example.edu,Submitted,\nTeilnehmer/in 77,Jean Dupont,jean@example.edu,,\n";
    expect(parseRoster(text, "worksheet.csv").map((s) => [s.moodleParticipantId, s.name])).toEqual([
      ["123456", "Zoë Doe"],
      ["77", "Jean Dupont"],
    ]);
  });

  it("reads a roster a spreadsheet saved with semicolons", () => {
    expect(parseRoster("name;canvas_user_id\nDoe, Zoë;12345\n", "r.csv")).toEqual([{ line: 2, name: "Doe, Zoë", canvasUserId: "12345" }]);
  });

  it("names the line of every bad row", () => {
    const text = "name,canvas_user_id,moodle_participant_id\nZoë,12a,\nPat,,\nAl,42,Participant x\nBo,42,\n";
    const message = problemOf(() => parseRoster(text, "r.csv"));
    expect(message).toContain("roster r.csv:");
    expect(message).toContain('line 2: canvas_user_id "12a" is not a number');
    expect(message).toContain("line 3: no submission, canvas_user_id or moodle_participant_id");
    expect(message).toContain('line 4: moodle_participant_id "Participant x" is not a number');
    expect(message).toContain("line 5: canvas_user_id 42 is also on line 4");
  });

  it("names the line of a row that breaks the CSV", () => {
    expect(problemOf(() => parseRoster('name,submission\nZoë,a\nPat,b,c\n"open,x\n', "r.csv"))).toMatch(/line 3/);
  });

  it("refuses a header with no column to match submissions by, saying what it found", () => {
    expect(problemOf(() => parseRoster("Name,E-mail\nZoë,z@x\n", "r.csv"))).toMatch(
      /line 1: no column says whose submission is whose: .*found "Name", "E-mail"/,
    );
  });

  it("refuses two columns for one field", () => {
    expect(problemOf(() => parseRoster("Student,name,ID\nZoë,Zoë,1\n", "r.csv"))).toContain(
      'line 1: columns "Student" and "name" both give the name',
    );
  });

  it("refuses an empty roster", () => {
    expect(problemOf(() => parseRoster("", "r.csv"))).toContain("it is empty");
  });
});

describe("readRoster", () => {
  it("reads a file", () => {
    expect(readRoster(file("submission\nalice\n")).students).toEqual([{ line: 2, submission: "alice" }]);
  });

  it("refuses a file that is not UTF-8 (Excel's legacy CSV), saying how to save it", () => {
    expect(problemOf(() => readRoster(file(Buffer.from("name,submission\nzo\xeb,a\n", "latin1"))))).toContain(
      'not UTF-8 text; save it as "CSV UTF-8"',
    );
  });

  it("refuses a file over the size cap without reading it", () => {
    expect(problemOf(() => readRoster(file(Buffer.alloc(ROSTER_MAX_BYTES + 1, "a"))))).toContain("a roster may have at most");
  });

  it("says when the file cannot be read", () => {
    expect(problemOf(() => readRoster("/nonexistent/roster.csv"))).toContain("roster /nonexistent/roster.csv: cannot read it");
  });
});
