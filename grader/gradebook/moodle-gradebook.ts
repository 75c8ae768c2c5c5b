import { neutralizeCell, renderCsv, type CsvOptions } from "../report/csv";
import { formatPoints, type Gradebook, type GradebookEntry } from "./gradebook";

/**
 * gradebook-moodle.csv, in the layout of Moodle's offline grading worksheet (Assignment → "Download grading
 * worksheet"), which the assignment's "Upload grading worksheet" imports: it reads the columns `Identifier`
 * ("Participant <id>"), `Grade` and `Last modified (grade)`, skips a row whose identifier it does not know or
 * whose grade is empty, and ignores the other columns. Email address, Username and ID number are there for the
 * course gradebook's CSV import, which maps one of them to a user field. The header is Moodle's English one (its
 * importer compares headers with the language the teacher uses). See docs/gradebooks.md.
 */
export function renderMoodleGradebook(gradebook: Gradebook, options: CsvOptions = {}): string {
  const header = [
    "Identifier",
    "Full name",
    "Email address",
    "Username",
    "ID number",
    "Grade",
    "Maximum grade",
    "Last modified (grade)",
    "lab-grader note",
  ];
  // Moodle reads this date with PHP's strtotime, which takes ISO 8601; a grade changed in Moodle after it is kept.
  const gradedAt = gradebook.gradedAt.replace(/\.\d+Z$/, "Z");
  return renderCsv([header, ...gradebook.entries.map((entry) => moodleRow(entry, gradebook.maxScore, gradedAt))], options);
}

function moodleRow(entry: GradebookEntry, maxScore: number | undefined, gradedAt: string): string[] {
  const { student, identity, submission } = entry;
  const participant = student?.moodleParticipantId ?? (identity?.lms === "moodle" ? identity.participantId : undefined);
  const graded = entry.score !== undefined;
  return [
    participant === undefined ? "" : `Participant ${participant}`,
    neutralizeCell(student?.name ?? identity?.name ?? submission?.id ?? ""),
    neutralizeCell(student?.email ?? ""),
    neutralizeCell(student?.login ?? ""),
    neutralizeCell(student?.sisId ?? ""),
    formatPoints(entry.score),
    formatPoints(submission?.maxScore ?? maxScore),
    graded ? gradedAt : "",
    neutralizeCell(entry.note),
  ];
}
