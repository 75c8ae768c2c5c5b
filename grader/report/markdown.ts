import { checkFeedback, type GradesDocument, type SubmissionGrade } from "./grades";
import { replaceControls, stripAnsi } from "./sanitize";

/** Student text inside a Markdown table cell: no markup, no HTML, no cell breaks. */
export function markdownCell(text: string, max = 500): string {
  const clean = replaceControls(stripAnsi(text), "\t\n", "?");
  const cut = clean.length > max ? `${clean.slice(0, max)}…` : clean;
  return cut
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[|`*_[\]\\]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, "<br>");
}

/** One submission's checks as a Markdown table (GitHub step summary, Classroom feedback). */
export function renderSubmissionMarkdown(grades: GradesDocument, submission: SubmissionGrade): string {
  const rows = submission.checks.map((c) => {
    return `| ${c.passed ? "✅" : "❌"} | \`${c.id}\` | ${c.points}/${c.maxPoints} | ${markdownCell(checkFeedback(c))} |`;
  });
  return [
    `### ${markdownCell(grades.lab.title)} — ${markdownCell(submission.id)}: ${submission.score}/${submission.maxScore}`,
    "",
    "| | check | points | feedback |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
