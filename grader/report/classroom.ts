import { checkFeedback, type SubmissionGrade } from "./grades";
import { capText, stripAnsi } from "./sanitize";

/** One runner's result for GitHub Classroom's grading reporter: its id (`<ID>_RESULTS`) and the base64 of its JSON. */
export interface ClassroomRunner {
  runner: string;
  result: string;
}

interface ClassroomTest {
  name: string;
  status: "pass" | "fail" | "error";
  score: number;
  max_score: number;
  message: string;
  /** Printed as "name - line N" unless 0. */
  line_no: number;
  /** Printed under the test as "Test code:" for every status: where a student sees why a check failed. */
  test_code: string;
  duration: number;
}

const encode = (document: object): string => Buffer.from(JSON.stringify(document)).toString("base64");
const text = (value: string): string => capText(stripAnsi(value), 4000);

/**
 * GitHub Classroom's autograding results, one runner per check (classroom-resources/autograding-grading-reporter
 * v1). One runner each, because the reporter totals a runner in two ways that agree only then: its table counts
 * passed tests times the runner's max_score over the number of tests, its recorded notice sums the tests'
 * scores. It prints a failed test's message only for status "error", so the feedback goes in `test_code`, which
 * it prints for every test. `durationSeconds` is the submission's grading time, which every check shares.
 */
export function classroomRunners(submission: SubmissionGrade, durationSeconds: number): ClassroomRunner[] {
  if (submission.graderError)
    return classroomFailure(
      submission.checks.map((c) => c.id),
      `grader error: ${submission.graderError}`,
      durationSeconds,
    );
  return submission.checks.map((check) => {
    const feedback = text(checkFeedback(check));
    // Not graded: an error worth nothing either way, as when grading could not run (see classroomFailure)
    const maxScore = check.notGraded ? 0 : check.maxPoints;
    const test: ClassroomTest = {
      name: check.id,
      status: check.notGraded ? "error" : check.passed ? "pass" : "fail",
      score: check.points,
      max_score: maxScore,
      message: feedback,
      line_no: check.line ?? 0,
      test_code: feedback,
      duration: durationSeconds,
    };
    return { runner: check.id, result: encode({ version: 1, status: test.status, max_score: maxScore, tests: [test] }) };
  });
}

/**
 * The results when grading could not run (no engine, a setup that failed, a crash): every runner errors with the
 * reason, and with max_score 0, so the reporter records no score — an infrastructure failure is not a zero for
 * the student — and the job fails with the message shown.
 */
export function classroomFailure(checkIds: string[], message: string, durationSeconds: number): ClassroomRunner[] {
  return checkIds.map((id) => {
    const test: ClassroomTest = {
      name: id,
      status: "error",
      score: 0,
      max_score: 0,
      message: text(message),
      line_no: 0,
      test_code: "",
      duration: durationSeconds,
    };
    return { runner: id, result: encode({ version: 1, status: "error", max_score: 0, tests: [test] }) };
  });
}

/** The student's id in a CI job: the repository's name (GitHub Classroom names them `<assignment>-<user>`), else undefined. */
export function ciSubmissionId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const github = env.GITHUB_REPOSITORY?.split("/").pop();
  return github || env.CI_PROJECT_NAME || undefined;
}
