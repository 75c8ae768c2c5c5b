import { stringify } from "csv-stringify/sync";
import type { GradesDocument } from "./grades";

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark: without one, Excel opens UTF-8 ("zoë") as its legacy code page. */
  bom?: boolean;
}

/**
 * A spreadsheet opens a cell that starts with = + - @ (or a tab or carriage return) as a formula. Student text
 * that does is prefixed with ' so it stays text (OWASP's advice for CSV injection).
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The CSV every report writes, with CRLF line ends (RFC 4180). `quoteAll` quotes every cell; otherwise a cell is
 * quoted only when it must be (a comma, a quote, a line break), as the LMSs write their own exports.
 */
export function renderCsv(rows: string[][], options: CsvOptions & { quoteAll?: boolean } = {}): string {
  return stringify(rows, { quoted: options.quoteAll ?? false, quoted_match: /[\r\n]/, record_delimiter: "\r\n", bom: options.bom ?? false });
}

/** grades.csv: a header, then one row per submission — id, score and max over the checks graded, and the points of each. */
export function renderGradesCsv(grades: GradesDocument, options: CsvOptions = {}): string {
  const checkIds = [...new Set(grades.submissions.flatMap((s) => s.checks.map((c) => c.id)))];
  const rows = grades.submissions.map((s) => [
    neutralizeCell(s.id),
    String(s.score),
    String(s.maxScore),
    ...checkIds.map((id) => {
      const check = s.checks.find((c) => c.id === id);
      // A check not graded has no points either way: its cell stays empty, as one the lab does not have
      return check && !check.notGraded ? String(check.points) : "";
    }),
  ]);
  return renderCsv([["id", "score", "max", ...checkIds], ...rows], { ...options, quoteAll: true });
}
