import type { CheckResult } from "../checks/check";
import { ciSubmissionId, classroomFailure, classroomRunners, type ClassroomRunner } from "./classroom";
import type { SubmissionGrade } from "./grades";

interface Decoded {
  status: string;
  max_score: number;
  tests: { name: string; status: string; score: number; max_score: number; line_no: number; test_code: string; message: string; duration: number }[];
}
const decode = (runners: ClassroomRunner[]) =>
  runners.map((r) => ({ runner: r.runner, results: JSON.parse(Buffer.from(r.result, "base64").toString("utf8")) as Decoded }));

/**
 * The two totals classroom-resources/autograding-grading-reporter@v1 makes of the runners (read from its
 * dist/main.js): the console table gives each runner passed tests / tests × its max_score; the notice
 * Classroom records sums the tests' scores over the runners' max_score, and is not made when that is 0.
 */
function reporterTotals(runners: ReturnType<typeof decode>) {
  const table = runners.reduce(
    (sum, { results }) => sum + (results.tests.filter((t) => t.status === "pass").length / results.tests.length) * (results.max_score || 0),
    0,
  );
  const maxPoints = runners.reduce((sum, { results }) => sum + (results.max_score || 0), 0);
  const totalPoints = runners.reduce((sum, { results }) => sum + (results.max_score ? results.tests.reduce((s, t) => s + t.score, 0) : 0), 0);
  return { table, notice: maxPoints ? `Points ${totalPoints}/${maxPoints}` : undefined };
}

const check = (id: string, passed: boolean, maxPoints: number, extra: Partial<CheckResult> = {}): CheckResult => ({
  id,
  passed,
  points: passed ? maxPoints : 0,
  maxPoints,
  message: passed ? "fine" : `${id} failed\nsecond line`,
  ...extra,
});

const grace: SubmissionGrade = {
  id: "lab42-grace",
  score: 8,
  maxScore: 10,
  checks: [
    check("dockerfile-multistage", true, 2, { line: 8 }),
    check("image-builds", true, 2),
    check("container-runs", true, 1),
    check("greeting-served", false, 2, { hint: "answer the greeting" }),
    check("venv-copied", true, 2, { line: 9 }),
    check("size-under-threshold", true, 1),
  ],
};

describe("GitHub Classroom results", () => {
  it("give the same total in the reporter's table and in the score it records, one runner per check", () => {
    const runners = decode(classroomRunners(grace, 12.5));
    expect(runners.map((r) => r.runner)).toEqual(grace.checks.map((c) => c.id));
    const totals = reporterTotals(runners);
    expect(totals.table).toBe(8);
    expect(totals.notice).toBe("Points 8/10");
  });

  it("show a failed check's message and hint where the reporter prints it, with the line and the duration", () => {
    const runners = decode(classroomRunners(grace, 12.5));
    const greeting = runners.find((r) => r.runner === "greeting-served")!.results;
    expect(greeting).toMatchObject({ status: "fail", max_score: 2 });
    expect(greeting.tests[0]).toMatchObject({ name: "greeting-served", status: "fail", score: 0, line_no: 0, duration: 12.5 });
    expect(greeting.tests[0].test_code).toBe("greeting-served failed\nsecond line\n\nHint: answer the greeting");
    expect(runners[0].results.tests[0]).toMatchObject({ status: "pass", line_no: 8 });
  });

  it("record no score when grading could not run, and say why in every runner", () => {
    const runners = decode(classroomFailure(["image-builds", "greeting-served"], "no Docker engine answers", 3));
    expect(reporterTotals(runners).notice).toBeUndefined();
    for (const { results } of runners) {
      expect(results).toMatchObject({ status: "error", max_score: 0 });
      expect(results.tests[0]).toMatchObject({ status: "error", message: "no Docker engine answers", line_no: 0 });
    }
  });

  it("treat a grader error as no grade either", () => {
    const runners = decode(classroomRunners({ ...grace, graderError: "watchdog" }, 1));
    expect(reporterTotals(runners).notice).toBeUndefined();
    expect(runners[0].results.tests[0].message).toBe("grader error: watchdog");
  });

  it("name the student by the CI's repository", () => {
    expect(ciSubmissionId({ GITHUB_REPOSITORY: "class-org/lab42-grace" })).toBe("lab42-grace");
    expect(ciSubmissionId({ CI_PROJECT_NAME: "lab42-grace" })).toBe("lab42-grace");
    expect(ciSubmissionId({})).toBeUndefined();
  });
});
