import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseStringPromise } from "xml2js";
import type { CheckResult } from "../checks/check";
import type { GradesDocument } from "./grades";
import { renderJunit } from "./junit";
import { submissionGrade } from "./grades";
import { HEREDOC_ON_OLD_ENGINE } from "../../test/helpers/not-graded-checks";

/** One submission's attempt: greeting-served fails in the first and passes in the second. */
function attempt(fixed: boolean): GradesDocument {
  const checks: CheckResult[] = [
    {
      id: "dockerfile-multistage",
      passed: true,
      points: 2,
      maxPoints: 2,
      message: '2 stages; the final stage copies from stage "builder" (line 8)',
      line: 8,
    },
    fixed
      ? { id: "greeting-served", passed: true, points: 2, maxPoints: 2, message: "GET / answered 200" }
      : { id: "greeting-served", passed: false, points: 0, maxPoints: 2, message: 'expected "Hello"\ngot "Hi"', hint: "check app.py" },
  ];
  const score = checks.reduce((sum, c) => sum + c.points, 0);
  return {
    lab: { id: "lab42", title: "Lab 42: multi-stage builds", file: "specs/lab42.yaml" },
    runId: "r",
    startedAt: "2026-11-28T10:00:00.000Z",
    gradedAt: "2026-11-28T10:00:42.500Z",
    engine: {
      location: "x",
      product: "Docker Engine 28",
      imageStore: "overlay2 graphdriver",
      version: "28",
      apiVersion: "1.51",
      os: "linux",
      architecture: "amd64",
    },
    reference: { referenceBytes: 1, baselineBytes: 1, thresholdBytes: 1, thresholdRule: "r" },
    skipped: [],
    grader: { version: "0", peakRssBytes: 1 },
    submissions: [{ id: "alice", score, maxScore: 4, dockerfile: "submissions/alice/Dockerfile", timingsMs: { total: 12_345 }, checks }],
  };
}

/** A submission the engine could not build: its stages graded, image-builds not graded (Docker 20.10 and a heredoc). */
function notGradedAttempt(): GradesDocument {
  const grades = attempt(false);
  const { timingsMs, dockerfile } = grades.submissions[0];
  grades.submissions = [{ ...submissionGrade("mallory", HEREDOC_ON_OLD_ENGINE, undefined), timingsMs, dockerfile }];
  return grades;
}

/** The consumers' own command-line tools, run as CI jobs run them (both are ES modules Jest cannot load in place). */
const tool = (relative: string, args: string[]): string =>
  execFileSync(process.execPath, [path.resolve("node_modules", relative), ...args], { encoding: "utf8" });

/** What xunit-viewer prints of a report on the console (its HTML page goes to a temporary folder, not the working directory). */
const xunitViewerConsole = (file: string): string =>
  tool("xunit-viewer/bin/xunit-viewer.js", [
    "--results",
    file,
    "--console",
    "--output",
    path.join(mkdtempSync(path.join(tmpdir(), "xunit-viewer-")), "index.html"),
    "--no-color",
    "--clear",
    "false",
  ]);

function writeReport(name: string, grades: GradesDocument): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "junit-consumers-")), name);
  writeFileSync(file, renderJunit(grades));
  return file;
}

/** The way dorny/test-reporter's java-junit parser reads a report (xml2js; times are parseFloat of the attributes, in ms). */
async function readLikeDorny(xml: string) {
  const report = await parseStringPromise(xml);
  const suites = report.testsuites.testsuite as {
    $: Record<string, string>;
    testcase: { $: Record<string, string>; failure?: { $: { message: string } }[] }[];
  }[];
  return {
    totalMs: parseFloat(report.testsuites.$.time) * 1000,
    suites: suites.map((suite) => ({
      name: suite.$.name,
      timeMs: parseFloat(suite.$.time) * 1000,
      tests: suite.testcase.map((tc) => ({
        name: tc.$.name,
        timeMs: parseFloat(tc.$.time) * 1000,
        file: tc.$.file,
        line: tc.$.line,
        failure: tc.failure?.[0].$.message,
      })),
    })),
  };
}

describe("JUnit XML as consumers read it", () => {
  it("gives dorny/test-reporter's parser times (no NaN), stable names, the file and line, and the failure with its points", async () => {
    const read = await readLikeDorny(renderJunit(attempt(false)));
    expect(read.totalMs).toBe(42_500);
    expect(read.suites).toEqual([
      {
        name: "alice",
        timeMs: 12_345,
        tests: [
          { name: "dockerfile-multistage", timeMs: 0, file: "submissions/alice/Dockerfile", line: "8", failure: undefined },
          { name: "greeting-served", timeMs: 0, file: "submissions/alice/Dockerfile", line: undefined, failure: '0/2 pts: expected "Hello"' },
        ],
      },
    ]);
  });

  it("keeps every test's identity (suite, class, name) from one attempt to the next, so a fixed check is reported fixed", async () => {
    const identities = async (grades: GradesDocument) => {
      const report = await parseStringPromise(renderJunit(grades));
      return report.testsuites.testsuite.flatMap((suite: { $: { name: string }; testcase: { $: { classname: string; name: string } }[] }) =>
        suite.testcase.map((tc) => `${suite.$.name}|${tc.$.classname}|${tc.$.name}`),
      );
    };
    expect(await identities(attempt(true))).toEqual(await identities(attempt(false)));
  });

  it("converts with junit2json, the total in the suite's system-out and the times as numbers", () => {
    const file = writeReport("junit.xml", attempt(false));
    const json = JSON.parse(tool("junit2json/dist/esm/cli.js", [file]));
    const suite = json.testsuite[0];
    expect(json.time).toBe(42.5);
    expect(suite).toMatchObject({ name: "alice", time: 12.345, tests: 2, failures: 1, hostname: expect.any(String) });
    expect(suite["system-out"]).toEqual(["score: 2/4"]);
    expect(suite.testcase.map((tc: { name: string; time: number }) => [tc.name, tc.time])).toEqual([
      ["dockerfile-multistage", 0],
      ["greeting-served", 0],
    ]);
  });

  it("renders in xunit-viewer: each check passed or failed by its name, the failure with its points, the score as a property", () => {
    const rendered = xunitViewerConsole(writeReport("junit.xml", attempt(false)));
    expect(rendered).toMatch(/^ alice$/m);
    expect(rendered).toMatch(/^ +score=2$/m);
    expect(rendered).toMatch(/^ +max_score=4$/m);
    expect(rendered).toMatch(/^ +✓ dockerfile-multistage time=0$/m);
    expect(rendered).toMatch(/^ +✗ greeting-served time=0$/m);
    expect(rendered).toMatch(/^ +- 0\/2 pts: expected "Hello"$/m);
  });

  it("merges with junit-report-merger (a class in shards), names, times and totals intact", async () => {
    const bob = attempt(true);
    bob.submissions[0].id = "bob";
    const out = path.join(mkdtempSync(path.join(tmpdir(), "junit-merged-")), "merged.xml");
    tool("junit-report-merger/cli.js", [out, writeReport("a.xml", attempt(false)), writeReport("b.xml", bob)]);
    const merged = readFileSync(out, "utf8");
    const read = await readLikeDorny(merged);
    // in the order the files were found
    expect(read.suites.map((s) => [s.name, s.timeMs, s.tests.map((t) => t.name)]).sort()).toEqual([
      ["alice", 12_345, ["dockerfile-multistage", "greeting-served"]],
      ["bob", 12_345, ["dockerfile-multistage", "greeting-served"]],
    ]);
    const report = await parseStringPromise(merged);
    expect(report.testsuites.testsuite.map((s: { "system-out": string[] }) => s["system-out"][0]).sort()).toEqual(["score: 2/4", "score: 4/4"]);
  });

  it("shows a check the engine could not grade as an error, apart from failures, with what would grade it", () => {
    const file = writeReport("junit.xml", notGradedAttempt());
    const json = JSON.parse(tool("junit2json/dist/esm/cli.js", [file]));
    expect(json).toMatchObject({ tests: 2, failures: 0, errors: 1 });
    const [staged, built] = json.testsuite[0].testcase;
    expect(staged.error).toBeUndefined();
    expect(built.error).toEqual([
      {
        type: "not-graded",
        message:
          "not graded (this engine cannot; needs Docker Engine 23.0 or later): not built: RUN with a heredoc (<<) (line 4) needs Docker Engine 23.0 or later",
        inner: expect.stringContaining("needs Docker Engine 23.0 or later"),
      },
    ]);
    expect(json.testsuite[0]["system-out"][0]).toMatch(
      /^score: 2\/2 \(not graded: 2 point\(s\) of image-builds, counted neither way; grade again on Docker Engine 23\.0 or later\)$/,
    );
    const rendered = xunitViewerConsole(file);
    // "!" is xunit-viewer's errored test; "✗" (a failure) appears nowhere
    expect(rendered).toMatch(/^ +! image-builds time=0$/m);
    expect(rendered).not.toContain("✗");
    expect(rendered).toMatch(/^1 passed, 1 error$/m);
  });
});
