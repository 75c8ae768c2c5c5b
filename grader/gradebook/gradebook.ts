import type { GradesDocument, SubmissionGrade } from "../report/grades";
import { lmsIdentity, type LmsIdentity } from "../submission/lms-names";
import type { Roster, RosterStudent } from "./roster";

export const GRADEBOOK_FORMATS = ["canvas", "moodle"] as const;
export type GradebookFormat = (typeof GRADEBOOK_FORMATS)[number];

/** One row of a gradebook: a student of the roster, or a submission the roster does not name, or both. */
export interface GradebookEntry {
  student?: RosterStudent;
  /** The submission whose score is the grade (the best one when the student has several). */
  submission?: SubmissionGrade;
  /** Who the submission's name says it belongs to. */
  identity?: LmsIdentity;
  /** The grade to import; absent when there is none to give (no submission, or the grader failed). */
  score?: number;
  /** Why the row has no grade, or what else to know; "" when nothing. */
  note: string;
}

export interface Gradebook {
  /** The roster's students in its order, then the submissions it does not name, by id. */
  entries: GradebookEntry[];
  /** The lab's maximum score (absent when nothing was graded). */
  maxScore?: number;
  gradedAt: string;
  roster?: Roster;
}

interface Candidate {
  grade: SubmissionGrade;
  identity?: LmsIdentity;
}

/** Pairs the graded submissions with the roster's students; with no roster, each submission is its own row. */
export function buildGradebook(grades: GradesDocument, roster?: Roster): Gradebook {
  const candidates = grades.submissions.map((grade): Candidate => ({ grade, identity: lmsIdentity(grade.id) }));
  const maxScore = grades.submissions.length ? Math.max(...grades.submissions.map((s) => s.maxScore)) : undefined;
  const base = { maxScore, gradedAt: grades.gradedAt, roster };
  if (!roster) return { ...base, entries: candidates.map((c) => entryFor(undefined, [c], { rostered: false })) };

  const find = rosterIndex(roster);
  const matched = new Map<RosterStudent, Candidate[]>();
  const unmatched: Candidate[] = [];
  for (const candidate of candidates) {
    const student = find(candidate.grade.id, candidate.identity);
    if (student) matched.set(student, [...(matched.get(student) ?? []), candidate]);
    else unmatched.push(candidate);
  }
  // An entry that was not graded (--only without an earlier grade) is that student's, not "no submission".
  const notGraded = new Map<RosterStudent, string>();
  for (const entry of grades.skipped) {
    const id = entry.name.replace(/\.zip$/i, "");
    const student = find(id, lmsIdentity(id));
    if (student && !notGraded.has(student)) notGraded.set(student, `${entry.name}: ${entry.reason}`);
  }
  return {
    ...base,
    entries: [
      ...roster.students.map((student) => entryFor(student, matched.get(student) ?? [], { rostered: true, notGraded: notGraded.get(student) })),
      ...unmatched.map((candidate) => entryFor(undefined, [candidate], { rostered: true })),
    ],
  };
}

/** A roster student's submission is the one the roster names exactly, else the one whose LMS id is theirs. */
function rosterIndex(roster: Roster): (id: string, identity?: LmsIdentity) => RosterStudent | undefined {
  const by = (key: "submission" | "canvasUserId" | "moodleParticipantId") =>
    new Map(roster.students.flatMap((s) => (s[key] === undefined ? [] : [[s[key], s] as const])));
  const bySubmission = by("submission");
  const byCanvas = by("canvasUserId");
  const byMoodle = by("moodleParticipantId");
  return (id, identity) =>
    bySubmission.get(id) ??
    (identity?.lms === "canvas" ? byCanvas.get(identity.userId) : undefined) ??
    (identity?.lms === "moodle" ? byMoodle.get(identity.participantId) : undefined);
}

function entryFor(student: RosterStudent | undefined, candidates: Candidate[], context: { rostered: boolean; notGraded?: string }): GradebookEntry {
  if (!candidates.length) return { student, note: context.notGraded ? `not graded: ${context.notGraded}` : "no submission" };
  // A submission with checks not graded has no grade yet: its cell stays empty, and the note says why
  const graded = candidates.filter((c) => !c.grade.graderError && !c.grade.notGraded).sort((a, b) => b.grade.score - a.grade.score);
  const chosen = graded[0] ?? candidates[0];
  const notes = [];
  if (!student && context.rostered) notes.push("not in the roster");
  if (!student && !chosen.identity) notes.push("its name has no Canvas or Moodle id");
  if (!graded.length) notes.push(notGradedNote(chosen.grade));
  const others = candidates
    .filter((c) => c !== chosen)
    .map((c) =>
      c.grade.graderError || c.grade.notGraded
        ? `${c.grade.id} (not graded yet)`
        : `${c.grade.id} (${formatPoints(c.grade.score)}/${formatPoints(c.grade.maxScore)})`,
    );
  if (others.length) notes.push(`also submitted: ${others.join(", ")}; the best score is the grade`);
  return {
    student,
    submission: chosen.grade,
    identity: chosen.identity,
    ...(graded.length ? { score: chosen.grade.score } : {}),
    note: notes.join("; "),
  };
}

function notGradedNote(grade: SubmissionGrade): string {
  if (grade.graderError || grade.notGraded?.cause !== "engine")
    return `not graded: the grader failed on ${grade.id} (its report says why); grade it again with --only`;
  return `not graded: this engine cannot build ${grade.id}; grade it again with --only on ${grade.notGraded.needs ?? "an engine that can"}`;
}

/** Points as a gradebook wants them: no float noise, at most two decimals (Canvas shows two). */
export function formatPoints(points: number | undefined): string {
  return points === undefined ? "" : String(Math.round(points * 100) / 100);
}

/** How the CLI names a roster student: by name (or another field), with the roster's line. */
export function studentLabel(student: RosterStudent): string {
  const who =
    student.name ?? student.email ?? student.login ?? student.sisId ?? student.submission ?? student.canvasUserId ?? student.moodleParticipantId;
  return `${who} (line ${student.line})`;
}

/**
 * What the instructor must know about a gradebook, one line each: every row with a note (a student with no
 * submission, a submission the roster does not name, several submissions for one student, a grade the grader
 * could not give), and rows the format cannot identify.
 */
export function gradebookFindings(gradebook: Gradebook, formats: GradebookFormat[]): string[] {
  const lines: string[] = [];
  if (gradebook.roster) {
    const graded = gradebook.entries.filter((e) => e.student && e.score !== undefined).length;
    lines.push(`${graded} of ${gradebook.roster.students.length} student(s) in ${gradebook.roster.file} have a grade`);
  }
  for (const entry of gradebook.entries) {
    if (!entry.note) continue;
    lines.push(`${entry.student ? studentLabel(entry.student) : (entry.submission?.id ?? "")}: ${entry.note}`);
  }
  const unnamed = (has: (e: GradebookEntry) => boolean) => gradebook.entries.filter((e) => !has(e)).length;
  if (formats.includes("canvas")) {
    const rows = unnamed((e) => Boolean(e.student?.canvasUserId || e.student?.sisId || e.student?.login || e.identity?.lms === "canvas"));
    if (rows)
      lines.push(
        `gradebook-canvas.csv: ${rows} row(s) have no Canvas user id, SIS User ID or SIS Login ID: Canvas matches them by name or asks who they are`,
      );
  }
  if (formats.includes("moodle")) {
    const rows = unnamed((e) => Boolean(e.student?.moodleParticipantId || e.identity?.lms === "moodle"));
    if (rows) lines.push(`gradebook-moodle.csv: ${rows} row(s) have no participant id: the grading worksheet upload skips them`);
    // Moodle's gradebook CSV import keeps the row above's user for a row whose user cell is empty.
    const anonymous = gradebook.roster ? unnamed((e) => Boolean(e.student?.email || e.student?.sisId)) : 0;
    if (anonymous) {
      lines.push(
        `gradebook-moodle.csv: ${anonymous} row(s) have neither Email address nor ID number: delete them before a gradebook CSV import, which would give their grade to the row above`,
      );
    }
  }
  return lines;
}
