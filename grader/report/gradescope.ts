import { checkFeedback, type SubmissionGrade } from "./grades";
import { capText, stripAnsi } from "./sanitize";

/** Gradescope's autograder results.json for one submission. */
export function gradescopeResults(submission: SubmissionGrade, executionSeconds: number): object {
  return {
    score: submission.score,
    max_score: submission.maxScore,
    execution_time: Math.round(executionSeconds),
    output: `${submission.score}/${submission.maxScore} points`,
    tests: submission.checks.map((check) => ({
      name: check.id,
      score: check.points,
      max_score: check.maxPoints,
      status: check.passed ? "passed" : "failed",
      output: capText(stripAnsi(checkFeedback(check)), 8000),
      visibility: "visible",
    })),
  };
}

/** What Gradescope shows when grading itself could not run: score 0 and why. */
export function gradescopeFailure(message: string, executionSeconds: number): object {
  return {
    score: 0,
    execution_time: Math.round(executionSeconds),
    output: `The autograder could not grade this submission: ${capText(stripAnsi(message), 8000)}`,
    tests: [],
  };
}
