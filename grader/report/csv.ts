import { stringify } from "csv-stringify/sync";
import type { GradesDocument } from "./grades";

/**
 * A spreadsheet opens a cell that starts with = + - @ (or a tab or carriage return) as a formula. Student text
 * that does is prefixed with ' so it stays text (OWASP's advice for CSV injection).
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** grades.csv: a header, then one row per submission — id, score, max, and the points of each check. */
export function renderGradesCsv(grades: GradesDocument): string {
  const checkIds = [...new Set(grades.submissions.flatMap((s) => s.checks.map((c) => c.id)))];
  const rows = grades.submissions.map((s) => [
    neutralizeCell(s.id),
    String(s.score),
    String(s.maxScore),
    ...checkIds.map((id) => {
      const check = s.checks.find((c) => c.id === id);
      return check ? String(check.points) : "";
    }),
  ]);
  return stringify([["id", "score", "max", ...checkIds], ...rows], { quoted: true, record_delimiter: "\r\n" });
}
