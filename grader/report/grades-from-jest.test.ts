import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AggregatedResult, AssertionResult } from "@jest/test-result";
import { CheckRecords } from "../jest/check-records";
import type { GradingRunConfig } from "../jest/run-config";
import { loadLabSpec } from "../lab/lab-spec";
import { buildGrades, diskGuardWarnings } from "./grades-from-jest";
import { overshootAllowance } from "../grading/disk-floor";

const spec = loadLabSpec("specs/lab42.yaml");

function assertion(submission: string, id: string, status: "passed" | "failed", failure = ""): AssertionResult {
  return { ancestorTitles: [submission], title: id, status, failureMessages: failure ? [failure] : [] } as unknown as AssertionResult;
}

function gradesDocument(assertions: AssertionResult[], record: (records: CheckRecords) => void, loadError?: string) {
  const recordsDir = mkdtempSync(path.join(tmpdir(), "lab-grader-records-"));
  record(new CheckRecords(recordsDir));
  const config = {
    recordsDir,
    submissions: [{ id: "alice", dir: "/x" }],
    reused: [],
    skipped: [],
    labFile: spec.file,
  } as unknown as GradingRunConfig;
  const results = {
    testResults: [{ testResults: assertions, testExecError: loadError ? { message: loadError } : undefined }],
  } as unknown as AggregatedResult;
  return buildGrades(config, spec, results);
}

const grade = (...args: Parameters<typeof gradesDocument>) => gradesDocument(...args).submissions[0];

describe("grades from a grading run", () => {
  it("takes each verdict from the check's record, whatever Jest made of the test after it was written", () => {
    const alice = grade([assertion("alice", "image-builds", "failed", "Error: the progress line could not be written")], (records) =>
      records.writeCheck(0, { id: "image-builds", passed: true, points: 2, maxPoints: 2, message: "" }),
    );
    expect(alice.checks).toEqual([{ id: "image-builds", passed: true, points: 2, maxPoints: 2, message: "" }]);
    expect(alice.score).toBe(2);
  });

  it("makes a check whose test ended without a record a grader error with Jest's message, worth nothing", () => {
    const alice = grade([assertion("alice", "image-builds", "failed", "TypeError: boom\n    at x.ts:1")], () => undefined);
    expect(alice.checks).toEqual([
      {
        id: "image-builds",
        passed: false,
        points: 0,
        maxPoints: 2,
        reason: "grader-error",
        message: "grader error: the check decided nothing (TypeError: boom\n    at x.ts:1)",
        notGraded: { cause: "grader" },
      },
    ]);
    // Not graded: in neither the score nor the maximum
    expect(alice).toMatchObject({ score: 0, maxScore: 0, notGraded: { checks: ["image-builds"], points: 2, cause: "grader" } });
  });

  it("never passes a check without a record, even when Jest says its test passed", () => {
    const alice = grade([assertion("alice", "image-builds", "passed")], () => undefined);
    expect(alice.checks[0]).toMatchObject({ passed: false, points: 0, message: "grader error: the check decided nothing (its test passed)" });
  });

  it("makes every check of the lab a grader error when the spec file declared no test for the submission", () => {
    const alice = grade([], () => undefined, "SyntaxError: lab42.spec.ts: Unexpected token");
    expect(alice.checks.map((c) => c.id)).toEqual(spec.checks.map((c) => c.id));
    expect(alice.checks.every((c) => !c.passed && c.reason === "grader-error" && c.message.includes("SyntaxError: lab42.spec.ts"))).toBe(true);
    expect(alice.graderError).toBe("the checks did not run");
  });
});

describe("the disk guard in results.json", () => {
  const figures = { checks: 3, largestUncheckedBytes: 80 * 1024 ** 2, slowestFreezeMs: 2, longestReadGapMs: 20, fastestFallBytesPerSecond: 1e9 };

  it("reports what the guard saw, with the allowance kept for it, when the run read the engine's free space", () => {
    const doc = gradesDocument([], (records) => records.writeDiskGuard(figures));
    expect(doc.engine.diskGuard).toEqual({ allowanceBytes: overshootAllowance(), ...figures });
    expect(diskGuardWarnings(doc)).toEqual([]);
    expect(gradesDocument([], () => undefined).engine.diskGuard).toBeUndefined();
  });

  it("warns when writers got further past a check than the allowance: the floor may be crossed", () => {
    const doc = gradesDocument([], (records) =>
      records.writeDiskGuard({ ...figures, largestUncheckedBytes: overshootAllowance() + 100 * 1024 ** 2 }),
    );
    expect(diskGuardWarnings(doc)).toEqual([
      expect.stringMatching(/^writers on this engine wrote up to \d+ MiB .*Raise sandbox.diskFloorMb by the difference$/),
    ]);
  });
});
