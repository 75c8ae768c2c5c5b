import { notGradedSummary, type GradesDocument } from "./grades";
import { markdownCell } from "./markdown";

/** summary.md: the class at a glance — scores, how many passed each check, and every submission's score. */
export function renderClassSummary(grades: GradesDocument): string {
  const n = grades.submissions.length;
  const checkIds = [...new Set(grades.submissions.flatMap((s) => s.checks.map((c) => c.id)))];
  // A submission with checks not graded has no grade yet: the class's figures leave it out, and say so
  const graded = grades.submissions.filter((s) => !s.notGraded);
  const mean = graded.length ? graded.reduce((sum, s) => sum + s.score, 0) / graded.length : 0;
  const max = graded[0]?.maxScore ?? 0;
  const full = graded.filter((s) => s.score === s.maxScore).length;
  const leftOut = n - graded.length ? ` (${n - graded.length} not fully graded, left out of the figures that follow)` : "";
  const lines = [
    `# ${markdownCell(grades.lab.title)} (${markdownCell(grades.lab.id)})`,
    "",
    `${n} submission(s) graded on ${grades.gradedAt}${leftOut}; mean score ${mean.toFixed(1)}/${max}; ${full} with full marks.`,
    "",
    ...(grades.engine.buildLimits ? [`> **Build limits:** ${markdownCell(grades.engine.buildLimits)}`, ""] : []),
    "| check | passed | pass rate |",
    "|---|---|---|",
    ...checkIds.map((id) => {
      // Of the submissions where the check was graded
      const where = grades.submissions.filter((s) => !s.checks.find((c) => c.id === id)?.notGraded);
      const passed = where.filter((s) => s.checks.find((c) => c.id === id)?.passed).length;
      return `| \`${id}\` | ${passed}/${where.length} | ${where.length ? Math.round((passed / where.length) * 100) : 0}% |`;
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
