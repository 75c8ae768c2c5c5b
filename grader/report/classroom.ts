import { checkFeedback, type SubmissionGrade } from "./grades";
import { capText, stripAnsi } from "./sanitize";

/** GitHub Classroom's autograding result (the `result` step output): base64 of its JSON document. */
export function classroomResult(submission: SubmissionGrade): string {
  const document = {
    version: 1,
    status: submission.graderError ? "error" : submission.checks.every((c) => c.passed) ? "pass" : "fail",
    max_score: submission.maxScore,
    tests: submission.checks.map((check) => ({
      name: check.id,
      status: check.passed ? "pass" : "fail",
      score: check.points,
      max_score: check.maxPoints,
      message: capText(stripAnsi(checkFeedback(check)), 4000),
    })),
  };
  return Buffer.from(JSON.stringify(document)).toString("base64");
}
