import { XMLValidator } from "fast-xml-parser";
import junitBuilder from "junit-report-builder";
import { checkFeedback, type GradesDocument } from "./grades";
import { sanitizeForXml } from "./sanitize";

/**
 * JUnit XML: one testsuite per submission (named by its id), one testcase per check with its points both as
 * properties and in the name (GitLab shows names, not properties). The document is parsed before it is
 * returned, so a malformed report is a grader error, never a file.
 */
export function renderJunit(grades: GradesDocument): string {
  const builder = junitBuilder.newBuilder();
  for (const submission of grades.submissions) {
    const suite = builder.testSuite().name(sanitizeForXml(submission.id, 500));
    suite.property("score", String(submission.score)).property("max_score", String(submission.maxScore));
    for (const check of submission.checks) {
      const testCase = suite
        .testCase()
        .className(sanitizeForXml(`${grades.lab.id}.${submission.id}`, 600))
        .name(`${check.id} [${check.points}/${check.maxPoints} pts]`)
        .property("points", String(check.points))
        .property("max_points", String(check.maxPoints));
      if (!check.passed) {
        const firstLine = check.message.split("\n")[0];
        testCase.failure(sanitizeForXml(firstLine, 1000), "check-failed");
        testCase.stacktrace(sanitizeForXml(checkFeedback(check)));
      } else if (check.message) {
        testCase.standardOutput(sanitizeForXml(check.message));
      }
    }
  }
  const xml = builder.build();
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`lab-grader produced malformed JUnit XML (${valid.err.msg} at line ${valid.err.line}); please report this`);
  return xml;
}
