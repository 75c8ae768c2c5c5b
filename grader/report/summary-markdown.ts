import { notGradedSummary, type GradesDocument } from "./grades";
import { markdownCell } from "./markdown";

/** summary.md: the class at a glance — scores, how many passed each check, and every submission's score. */
export function renderClassSummary(grades: GradesDocument): string {
  const n = grades.submissions.length;
  const checkIds = [...new Set(grades.submissions.flatMap((s) => s.checks.map((c) => c.id)))];
  const mean = n ? grades.submissions.reduce((sum, s) => sum + s.score, 0) / n : 0;
  const max = grades.submissions[0]?.maxScore ?? 0;
  const full = grades.submissions.filter((s) => s.score === s.maxScore).length;
  const lines = [
    `# ${markdownCell(grades.lab.title)} (${markdownCell(grades.lab.id)})`,
    "",
    `${n} submission(s) graded on ${grades.gradedAt}; mean score ${mean.toFixed(1)}/${max}; ${full} with full marks.`,
    "",
    ...(grades.engine.buildLimits ? [`> **Build limits:** ${markdownCell(grades.engine.buildLimits)}`, ""] : []),
    "| check | passed | pass rate |",
    "|---|---|---|",
    ...checkIds.map((id) => {
      const passed = grades.submissions.filter((s) => s.checks.find((c) => c.id === id)?.passed).length;
      return `| \`${id}\` | ${passed}/${n} | ${n ? Math.round((passed / n) * 100) : 0}% |`;
    }),
    "",
    "| submission | score | failed checks |",
    "|---|---|---|",
    ...grades.submissions.map((s) => {
      const failed =
        s.checks
          .filter((c) => !c.passed && !c.notGraded)
          .map((c) => `\`${c.id}\``)
          .join(", ") || "—";
      const flag = s.graderError ? " (grader error)" : s.notGraded ? ` (+${s.notGraded.points} not graded)` : "";
      return `| ${markdownCell(s.id, 120)} | ${s.score}/${s.maxScore}${flag} | ${failed} |`;
    }),
  ];
  const notGraded = grades.submissions.filter((s) => s.notGraded);
  if (notGraded.length) {
    lines.push(
      "",
      "Not fully graded (grade again where the cause is gone; no points counted either way):",
      ...notGraded.map((s) => `- ${markdownCell(s.id, 120)}: ${markdownCell(notGradedSummary(s.notGraded!))}`),
    );
  }
  if (grades.skipped.length) {
    lines.push("", "Not graded:", ...grades.skipped.map((e) => `- ${markdownCell(e.name, 120)}: ${markdownCell(e.reason)}`));
  }
  return `${lines.join("\n")}\n`;
}
