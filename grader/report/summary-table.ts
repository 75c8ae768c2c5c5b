import type { GradesDocument } from "./grades";
import { sanitizeForTerminal } from "./sanitize";

/** A plain-text table: one row per submission, score and one mark per check. */
export function renderSummaryTable(grades: GradesDocument): string {
  const checkIds = grades.submissions[0]?.checks.map((c) => c.id) ?? [];
  const ids = grades.submissions.map((s) => sanitizeForTerminal(s.id, 40));
  const idWidth = Math.max(10, ...ids.map((id) => id.length));
  const header = ["submission".padEnd(idWidth), "score".padStart(7), ...checkIds.map((_, i) => `c${i + 1}`)].join("  ");
  const rows = grades.submissions.map((s, i) =>
    [
      ids[i].padEnd(idWidth),
      `${s.score}/${s.maxScore}`.padStart(7),
      ...s.checks.map((c) => (c.notGraded ? "ng" : c.passed ? "ok" : "--").padEnd(2)),
      s.graderError
        ? "  GRADER ERROR"
        : s.notGraded
          ? `  NOT GRADED: ${s.notGraded.points} point(s), ${s.notGraded.cause === "engine" ? `needs ${s.notGraded.needs ?? "another engine"}` : "grader error"}`
          : "",
    ].join("  "),
  );
  const legend = `${checkIds.map((id, i) => `c${i + 1} = ${id}`).join(", ")}${grades.submissions.some((s) => s.notGraded) ? "; ng = not graded (counted neither way)" : ""}`;
  return [header, ...rows, "", legend].join("\n");
}
