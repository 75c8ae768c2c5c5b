import { gradesDocument } from "../../test/helpers/grades-document";
import { buildGradebook } from "../gradebook/gradebook";
import { classroomRunners } from "./classroom";
import { renderGradesCsv } from "./csv";
import { submissionGrade, type GradesDocument } from "./grades";
import { gradescopeResults } from "./gradescope";
import { renderHtmlReport } from "./html";
import { renderClassSummary } from "./summary-markdown";
import { renderSummaryTable } from "./summary-table";
import type { CheckResult } from "../checks/check";
import { HEREDOC_NEEDS, HEREDOC_ON_OLD_ENGINE } from "../../test/helpers/not-graded-checks";

const NEEDS = HEREDOC_NEEDS;
const checks: CheckResult[] = [
  ...HEREDOC_ON_OLD_ENGINE,
  {
    id: "greeting-served",
    passed: false,
    points: 0,
    maxPoints: 6,
    reason: "engine-cannot",
    message: "not graded: the image could not be built here (see image-builds)",
    notGraded: { cause: "engine", needs: NEEDS },
  },
];
const mallory = submissionGrade("mallory", checks, undefined);
const alice = submissionGrade(
  "alice",
  checks.map((c) => ({ id: c.id, passed: true, points: c.maxPoints, maxPoints: c.maxPoints, message: "ok" })),
  undefined,
);
const document: GradesDocument = gradesDocument({ submissions: [alice, mallory] });

describe("checks not graded", () => {
  it("count in neither the score nor the maximum; the grade says which, how many points and what would grade them", () => {
    expect(mallory).toMatchObject({
      score: 2,
      maxScore: 2,
      notGraded: { checks: ["image-builds", "greeting-served"], points: 8, cause: "engine", needs: NEEDS },
    });
    expect(alice.notGraded).toBeUndefined();
  });

  it("leave their cells in grades.csv empty, and the gradebooks' grade empty with a note", () => {
    const rows = renderGradesCsv(document).trim().split("\r\n");
    expect(rows[2]).toBe('"mallory","2","2","2",,');
    const entry = buildGradebook(document).entries.find((e) => e.submission?.id === "mallory")!;
    expect(entry.score).toBeUndefined();
    expect(entry.note).toContain(`not graded: this engine cannot build mallory; grade it again with --only on ${NEEDS}`);
  });

  it("are tests without a score or status on Gradescope, and errors worth nothing on GitHub Classroom", () => {
    const results = gradescopeResults(mallory, 10) as { score: number; max_score: number; output: string; tests: Record<string, unknown>[] };
    expect(results).toMatchObject({ score: 2, max_score: 2 });
    expect(results.output).toMatch(
      /^2\/2 points; not graded: 8 point\(s\) of image-builds, greeting-served, counted neither way; grade again on Docker Engine 23\.0 or later$/,
    );
    expect(results.tests[1]).not.toHaveProperty("score");
    expect(results.tests[1]).not.toHaveProperty("status");
    expect(results.tests[1].name).toBe("image-builds (not graded)");
    const runner = classroomRunners(mallory, 10).find((r) => r.runner === "image-builds")!;
    expect(JSON.parse(Buffer.from(runner.result, "base64").toString())).toMatchObject({
      status: "error",
      max_score: 0,
      tests: [{ status: "error", score: 0, max_score: 0 }],
    });
  });

  it("are amber in report.html, flagged in summary.md and the terminal's table, and left out of the class's figures", () => {
    const html = renderHtmlReport(document);
    expect(html).toContain(`<td class="fail not-graded">○</td>`);
    expect(html).toContain("2/2 (+8 not graded)");
    expect(html).toContain("<b>1</b> submissions (and 1 not fully graded, left out here)");
    const summary = renderClassSummary(document);
    expect(summary).toContain("| mallory | 2/2 (+8 not graded) | — |");
    expect(summary).toContain(`- mallory: not graded: 8 point(s) of image-builds, greeting-served, counted neither way; grade again on ${NEEDS}`);
    const table = renderSummaryTable(document);
    expect(table).toMatch(/mallory +2\/2 {2}ok {2}ng {2}ng {4}NOT GRADED: 8 point\(s\), needs Docker Engine 23\.0 or later/);
    expect(table).toContain("ng = not graded (counted neither way)");
  });
});
