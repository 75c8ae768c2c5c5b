import type { GradescopeVisibility } from "../lab/lab-spec";
import { checkFeedback, notGradedSummary, type SubmissionGrade } from "./grades";
import { capText, stripAnsi } from "./sanitize";

/**
 * Gradescope's autograder results.json for one submission (its "Autograder Specifications"): plain-text
 * output, each check as a test, shown to the student as the lab spec's `visibility` says (default visible).
 */
export function gradescopeResults(
  submission: SubmissionGrade,
  executionSeconds: number,
  visibility: Record<string, GradescopeVisibility> = {},
): object {
  return {
    score: submission.score,
    max_score: submission.maxScore,
    execution_time: Math.round(executionSeconds),
    output: `${submission.score}/${submission.maxScore} points${submission.notGraded ? `; ${notGradedSummary(submission.notGraded)}` : ""}`,
    output_format: "text",
    test_output_format: "text",
    tests: submission.checks.map((check) => ({
      name: check.notGraded ? `${check.id} (not graded)` : check.id,
      // Not graded: no score, no status — the specification's tests may leave both out — so it counts neither way
      ...(check.notGraded ? {} : { score: check.points, max_score: check.maxPoints, status: check.passed ? "passed" : "failed" }),
      output: capText(stripAnsi(checkFeedback(check)), 8000),
      output_format: "text",
      visibility: visibility[check.id] ?? "visible",
    })),
  };
}

/** What Gradescope shows when grading itself could not run: score 0 and why. */
export function gradescopeFailure(message: string, executionSeconds: number): object {
  return {
    score: 0,
    execution_time: Math.round(executionSeconds),
    output: `The autograder could not grade this submission: ${capText(stripAnsi(message), 8000)}`,
    output_format: "text",
    tests: [],
  };
}
