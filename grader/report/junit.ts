import { hostname } from "node:os";
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import junitBuilder from "junit-report-builder";
import { checkFeedback, notGradedCause, notGradedSummary, type GradesDocument, type SubmissionGrade } from "./grades";
import { sanitizeForXml } from "./sanitize";

/**
 * JUnit XML: one testsuite per submission (named by its id), one testcase per check, named by the check's id
 * alone so that a fixed check is the same test in every attempt (GitLab keys tests by suite, class and name).
 * Points are properties and start the failure message; each suite's system-out gives the student's total, for
 * tools that show no properties. Times: the suite's is the submission's grading time; a check is decided from
 * the submission's facts at once, so its own time is 0. `file` is the submission's Dockerfile and `line` the
 * line a check points at, for annotations. The document is parsed before it is returned, so a malformed report
 * is a grader error, never a file.
 */
export function renderJunit(grades: GradesDocument): string {
  const builder = junitBuilder.newBuilder().name(sanitizeForXml(grades.lab.title, 500));
  for (const submission of grades.submissions) {
    const suite = builder
      .testSuite()
      .name(sanitizeForXml(submission.id, 500))
      .timestamp(new Date(grades.gradedAt))
      .time(seconds(submission.timingsMs?.total));
    suite.property("score", String(submission.score)).property("max_score", String(submission.maxScore));
    for (const check of submission.checks) {
      const testCase = suite
        .testCase()
        .className(sanitizeForXml(`${grades.lab.id}.${submission.id}`, 600))
        .name(sanitizeForXml(check.id, 200))
        .time(0)
        .property("points", String(check.points))
        .property("max_points", String(check.maxPoints));
      if (submission.dockerfile) testCase.file(sanitizeForXml(submission.dockerfile, 1000));
      if (check.notGraded) {
        // Not the student's failure: an <error>, which JUnit consumers show apart from failed tests
        const firstLine = check.message.split("\n")[0].replace(/^not graded: /, "");
        testCase.error(
          sanitizeForXml(`not graded (${notGradedCause(check.notGraded)}): ${firstLine}`, 1000),
          "not-graded",
          sanitizeForXml(check.message),
        );
      } else if (!check.passed) {
        const firstLine = check.message.split("\n")[0];
        testCase.failure(sanitizeForXml(`${check.points}/${check.maxPoints} pts: ${firstLine}`, 1000), "check-failed");
        testCase.stacktrace(sanitizeForXml(checkFeedback(check)));
      } else if (check.message) {
        testCase.standardOutput(sanitizeForXml(check.message));
      }
    }
  }
  const xml = addWhatTheBuilderCannot(builder.build(), grades);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`lab-grader produced malformed JUnit XML (${valid.err.msg} at line ${valid.err.line}); please report this`);
  return xml;
}

const seconds = (ms: number | undefined): number => Math.round(ms ?? 0) / 1000;

/** What a student reads first in a suite's output: the total, and a grader error instead of a grade. */
function totalLine(submission: SubmissionGrade): string {
  const total = `score: ${submission.score}/${submission.maxScore}`;
  if (submission.graderError) return `${total} (not a grade: grader error: ${submission.graderError})`;
  return submission.notGraded ? `${total} (${notGradedSummary(submission.notGraded)})` : total;
}

type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };
const XML_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  cdataPropName: "#cdata",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  suppressEmptyNode: true,
} as const;

/**
 * junit-report-builder writes no `time` or `hostname` on suites' parents and suites, no `line` on test cases
 * and no system-out on a suite, which JUnit consumers read (dorny/test-reporter shows "NaNms" without the
 * root's time; GitLab and test reporters show a suite's system-out). They are added to its document here,
 * through an XML parser (never by editing text: a message may hold anything).
 */
function addWhatTheBuilderCannot(xml: string, grades: GradesDocument): string {
  const document = new XMLParser(XML_OPTIONS).parse(xml) as XmlNode[];
  const root = document.find((node) => "testsuites" in node)!;
  const runMs = grades.startedAt ? Date.parse(grades.gradedAt) - Date.parse(grades.startedAt) : undefined;
  root[":@"] = { ...root[":@"], "@_time": String(seconds(runMs)) };
  const suites = (root.testsuites as XmlNode[]).filter((node) => "testsuite" in node);
  suites.forEach((suite, index) => {
    const submission = grades.submissions[index];
    suite[":@"] = { ...suite[":@"], "@_hostname": hostname() };
    const cases = (suite.testsuite as XmlNode[]).filter((node) => "testcase" in node);
    cases.forEach((testCase, caseIndex) => {
      const line = submission.checks[caseIndex]?.line;
      if (line) testCase[":@"] = { ...testCase[":@"], "@_line": String(line) };
    });
    (suite.testsuite as XmlNode[]).push({ "system-out": [{ "#cdata": [{ "#text": sanitizeForXml(totalLine(submission)) }] }] });
  });
  // Not indented: indentation would add whitespace to the text of elements that hold CDATA
  return new XMLBuilder(XML_OPTIONS).build(document) as string;
}
