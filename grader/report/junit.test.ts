import { XMLParser, XMLValidator } from "fast-xml-parser";
import { gradesDocument } from "../../test/helpers/grades-document";
import { submissionGrade, type GradesDocument } from "./grades";
import { HEREDOC_ON_OLD_ENGINE } from "../../test/helpers/not-graded-checks";
import { renderJunit } from "./junit";
import { sanitizeForXml } from "./sanitize";

function grades(id: string, message: string): GradesDocument {
  return gradesDocument({
    lab: { id: "lab42", title: "t", file: "f" },
    reference: { referenceBytes: 1, baselineBytes: 1, thresholdBytes: 1, thresholdRule: "r" },
    submissions: [
      {
        id,
        score: 0,
        maxScore: 2,
        checks: [{ id: "greeting-served", passed: false, points: 0, maxPoints: 2, message, hint: "try <this> & that" }],
      },
    ],
  });
}

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);

describe("renderJunit", () => {
  it("survives control characters, ANSI escapes and NUL in a message", () => {
    const xml = renderJunit(grades("a", "body: \u0000\u001b[31mred\u001b[0m \u0007bell \uffff"));
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/\u001b|\u0000|\u0007/);
    expect(xml).toContain("red");
  });

  it("neutralises every ]]> so CDATA stays closed where it should", () => {
    const xml = renderJunit(grades("a", "one ]]> two ]]> three ]]>"));
    expect(XMLValidator.validate(xml)).toBe(true);
    const stack = parse(xml).testsuites.testsuite.testcase.failure;
    expect(JSON.stringify(stack)).toContain("three");
  });

  it("escapes names with quotes and <&>", () => {
    const id = `o'brien "the <best> & worst"`;
    const xml = renderJunit(grades(id, "m"));
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(parse(xml).testsuites.testsuite.name).toBe(id);
  });

  it("caps huge text, keeping head and tail", () => {
    const huge = `START${"x".repeat(5_000_000)}END`;
    const xml = renderJunit(grades("a", huge));
    expect(xml.length).toBeLessThan(30_000);
    expect(xml).toContain("START");
    expect(xml).toContain("END");
    expect(xml).toMatch(/characters cut/);
  });

  it("names a test case by its check alone, puts points in properties and before the failure, the hint in the details", () => {
    const testcase = parse(renderJunit(grades("a", "first line\nsecond line"))).testsuites.testsuite.testcase;
    expect(testcase.name).toBe("greeting-served");
    expect(testcase.properties.property).toEqual([
      { name: "points", value: "0" },
      { name: "max_points", value: "2" },
    ]);
    expect(testcase.failure.message).toBe("0/2 pts: first line");
    expect(JSON.stringify(testcase.failure)).toContain("Hint: try <this> & that");
  });
});

describe("sanitizeForXml", () => {
  it("replaces lone surrogates and keeps valid astral characters", () => {
    expect(sanitizeForXml("a\ud800b 😀")).toBe("a\ufffdb 😀");
  });
});

describe("a check not graded", () => {
  const document = gradesDocument({
    submissions: [submissionGrade("mallory", HEREDOC_ON_OLD_ENGINE, undefined)],
  });

  it("is a JUnit <error>, not a <failure>, saying why and where it can be graded; the total says what was left out", () => {
    const suite = parse(renderJunit(document)).testsuites.testsuite;
    const [graded, ungraded] = suite.testcase;
    expect(graded.failure).toBeUndefined();
    expect(ungraded.failure).toBeUndefined();
    expect(ungraded.error).toMatchObject({
      type: "not-graded",
      message: expect.stringMatching(/^not graded \(this engine cannot; needs Docker Engine 23\.0 or later\): not built: RUN with a heredoc/),
    });
    expect(JSON.stringify(suite["system-out"])).toContain(
      "score: 2/2 (not graded: 2 point(s) of image-builds, counted neither way; grade again on Docker Engine 23.0 or later)",
    );
  });
});
