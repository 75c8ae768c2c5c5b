import type { GradesDocument, SubmissionGrade } from "../report/grades";
import { stoppedSomeBuild } from "./run-grading";

const submission = (extra: Partial<SubmissionGrade> = {}, reason?: string): SubmissionGrade => ({
  id: "s",
  score: 0,
  maxScore: 2,
  checks: [{ id: "image-builds", points: 0, maxPoints: 2, passed: reason === undefined, message: "", ...(reason ? { reason } : {}) }],
  ...extra,
});
const grades = (...submissions: SubmissionGrade[]) => ({ submissions }) as unknown as GradesDocument;

describe("stoppedSomeBuild (whether the run's cache is read again at its end)", () => {
  it("is false for builds that passed or failed on their own", () => {
    expect(stoppedSomeBuild(grades(submission(), submission({}, "step-failed"), submission({}, "copy-source-missing")))).toBe(false);
  });

  it("is true once a build timed out, went past its disk budget, was built again alone or met a grader error", () => {
    expect(stoppedSomeBuild(grades(submission(), submission({}, "timeout")))).toBe(true);
    expect(stoppedSomeBuild(grades(submission({}, "disk-budget")))).toBe(true);
    expect(stoppedSomeBuild(grades(submission({ timingsMs: { rebuiltAlone: 900 } })))).toBe(true);
    expect(stoppedSomeBuild(grades(submission({ graderError: "boom" })))).toBe(true);
  });
});
