import { gradescopeFailure, gradescopeResults } from "./gradescope";
import type { SubmissionGrade } from "./grades";

const grade: SubmissionGrade = {
  id: "s",
  score: 2,
  maxScore: 3,
  checks: [
    { id: "image-builds", passed: true, points: 2, maxPoints: 2, message: "built" },
    { id: "size-under-threshold", passed: false, points: 0, maxPoints: 1, message: "too big", hint: "copy less" },
  ],
};

describe("Gradescope results", () => {
  it("show each check as the lab spec's visibility says, visible by default, as plain text", () => {
    const results = gradescopeResults(grade, 41.6, { "size-under-threshold": "after_published" }) as { tests: object[] };
    expect(results).toMatchObject({ score: 2, max_score: 3, execution_time: 42, output_format: "text", test_output_format: "text" });
    expect(results.tests).toEqual([
      { name: "image-builds", score: 2, max_score: 2, status: "passed", output: "built", output_format: "text", visibility: "visible" },
      {
        name: "size-under-threshold",
        score: 0,
        max_score: 1,
        status: "failed",
        output: "too big\n\nHint: copy less",
        output_format: "text",
        visibility: "after_published",
      },
    ]);
  });

  it("say why when grading could not run", () => {
    expect(gradescopeFailure("\u001b[31mno engine\u001b[0m", 3)).toEqual({
      score: 0,
      execution_time: 3,
      output: "The autograder could not grade this submission: no engine",
      output_format: "text",
      tests: [],
    });
  });
});
