import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { sanitizeForTerminal } from "../report/sanitize";

/** One student of the class, as the roster names them. Every field but `line` may be absent. */
export interface RosterStudent {
  /** The roster's line the student is on (1 is the header), for messages. */
  line: number;
  /** A submission id (folder name, or archive name without `.zip`) that is this student's, exactly. */
  submission?: string;
  canvasUserId?: string;
  moodleParticipantId?: string;
  name?: string;
  login?: string;
  email?: string;
  sisId?: string;
  section?: string;
}

export interface Roster {
  file: string;
  students: RosterStudent[];
}

export const ROSTER_MAX_BYTES = 5 * 1024 * 1024;
const MAX_STUDENTS = 20_000;
const MAX_FIELD = 10_000;
const MAX_REPORTED = 10;

type Field = Exclude<keyof RosterStudent, "line">;
const IDENTITY_FIELDS: Field[] = ["submission", "canvasUserId", "moodleParticipantId"];

/**
 * The headers a roster column may have, lower-cased: ours, and those of the lists the LMSs export (Canvas'
 * gradebook export, Moodle's grading worksheet), so either can be passed as it is.
 */
const HEADERS: Record<string, Field> = {
  submission: "submission",
  canvas_user_id: "canvasUserId",
  id: "canvasUserId",
  moodle_participant_id: "moodleParticipantId",
  identifier: "moodleParticipantId",
  name: "name",
  student: "name",
  "full name": "name",
  login: "login",
  "sis login id": "login",
  username: "login",
  email: "email",
  "email address": "email",
  sis_id: "sisId",
  "sis user id": "sisId",
  "id number": "sisId",
  section: "section",
};

// Rows of a Canvas gradebook export that are about its assignments, not a student.
const POINTS_POSSIBLE = /^points possible$/i;
const POSTING_POLICY = /^(muted|manual posting.*)?$/i;

/** Reads and checks a roster CSV; every problem found is reported at once, each with its line. */
export function readRoster(file: string): Roster {
  return { file, students: parseRoster(readCapped(file), file) };
}

export function parseRoster(text: string, file: string): RosterStudent[] {
  const fail = (problems: string[]): never => {
    const shown = problems.slice(0, MAX_REPORTED);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : "";
    throw new UserFacingError(`roster ${file}:\n  ${shown.join("\n  ")}${more}`, ExitCode.usage);
  };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: delimiterOf(text),
      info: true,
      max_record_size: MAX_FIELD,
      skip_empty_lines: true,
      trim: true,
    }) as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    return fail([`not a CSV file this can read: ${(error as Error).message}`]);
  }
  if (!records.length) return fail(["it is empty: expected a header row, then one row per student"]);
  if (records.length - 1 > MAX_STUDENTS) return fail([`${records.length - 1} rows: more than ${MAX_STUDENTS} students is not a class roster`]);
  const columns = headerColumns(records[0].record, fail);
  const students: RosterStudent[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (POINTS_POSSIBLE.test(record[0]) || record.every((cell) => POSTING_POLICY.test(cell))) continue;
    const student: RosterStudent = { line };
    for (const [index, field] of columns) {
      const value = record[index]?.trim();
      if (value) student[field] = value;
    }
    const rowProblems = checkStudent(student);
    for (const field of IDENTITY_FIELDS) {
      const value = student[field];
      if (value === undefined) continue;
      const key = `${field}\u0000${value}`;
      const other = seen.get(key);
      if (other !== undefined) rowProblems.push(`${COLUMN_NAMES[field]} ${sanitizeForTerminal(value)} is also on line ${other}`);
      else seen.set(key, line);
    }
    problems.push(...rowProblems.map((p) => `line ${line}: ${p}`));
    students.push(student);
  }
  if (problems.length) fail(problems);
  return students;
}

const COLUMN_NAMES: Record<Field, string> = {
  submission: "submission",
  canvasUserId: "canvas_user_id",
  moodleParticipantId: "moodle_participant_id",
  name: "name",
  login: "login",
  email: "email",
  sisId: "sis_id",
  section: "section",
};

function headerColumns(header: string[], fail: (problems: string[]) => never): [number, Field][] {
  const columns: [number, Field][] = [];
  const problems: string[] = [];
  header.forEach((cell, index) => {
    const field = HEADERS[cell.trim().toLowerCase()];
    if (!field) return;
    const earlier = columns.find(([, f]) => f === field);
    if (earlier) problems.push(`line 1: columns "${header[earlier[0]]}" and "${cell}" both give the ${COLUMN_NAMES[field]}`);
    else columns.push([index, field]);
  });
  if (!columns.some(([, field]) => IDENTITY_FIELDS.includes(field))) {
    const found = header.map((cell) => JSON.stringify(sanitizeForTerminal(cell, 40))).join(", ");
    problems.push(
      `line 1: no column says whose submission is whose: expected submission, canvas_user_id or moodle_participant_id (or Canvas' "ID", Moodle's "Identifier"); found ${found}`,
    );
  }
  return problems.length ? fail(problems) : columns;
}

/** Normalises the student's ids in place; returns what is wrong with the row. */
function checkStudent(student: RosterStudent): string[] {
  const problems: string[] = [];
  if (student.canvasUserId !== undefined && !/^\d+$/.test(student.canvasUserId)) {
    problems.push(
      `canvas_user_id ${JSON.stringify(sanitizeForTerminal(student.canvasUserId))} is not a number (Canvas' user id, as in its download's file names)`,
    );
  }
  if (student.moodleParticipantId !== undefined) {
    // Moodle's worksheet writes "Participant 12345" (translated with the site's language).
    const id = /(?:^|\s)(\d+)$/.exec(student.moodleParticipantId)?.[1];
    if (id) student.moodleParticipantId = id;
    else
      problems.push(
        `moodle_participant_id ${JSON.stringify(sanitizeForTerminal(student.moodleParticipantId))} is not a number (or "Participant <number>")`,
      );
  }
  if (!IDENTITY_FIELDS.some((field) => student[field] !== undefined)) {
    problems.push("no submission, canvas_user_id or moodle_participant_id: no submission can be matched to this student");
  }
  return problems;
}

/** Comma, unless the header line uses semicolons or tabs instead (spreadsheets in some locales save so). */
function delimiterOf(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/));
  if (header.includes(",")) return ",";
  if (header.includes(";")) return ";";
  return header.includes("\t") ? "\t" : ",";
}

function readCapped(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new UserFacingError(`roster ${file}: cannot read it (${(error as Error).message})`, ExitCode.usage);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > ROSTER_MAX_BYTES) {
      throw new UserFacingError(`roster ${file}: ${size} bytes; a roster may have at most ${ROSTER_MAX_BYTES} (5 MiB)`, ExitCode.usage);
    }
    const buffer = Buffer.alloc(size);
    const read = readSync(fd, buffer, 0, size, 0);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, read));
    } catch {
      throw new UserFacingError(`roster ${file}: not UTF-8 text; save it as "CSV UTF-8" (in Excel: Save As, CSV UTF-8)`, ExitCode.usage);
    }
  } finally {
    closeSync(fd);
  }
}
