import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../helpers/cli";
import { CHECK_IDS } from "../helpers/lab42-checks";

const temp = (name: string) => path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-check-")), name);

/** The student's self-check, run the way a student or an LMS job runs it: inside the submission's folder. */
describe("lab-grader check", () => {
  it("passes a correct submission, prints every check, and writes Gradescope and Classroom results", async () => {
    const gradescope = temp("results.json");
    const summary = temp("summary.md");
    const output = temp("output");
    writeFileSync(summary, "");
    writeFileSync(output, "");
    const out = temp("reports");
    const result = await runCli(
      ["check", "--gradescope", gradescope, "--classroom", "--id", "lab42-alice", "--out", out],
      {
        ...process.env,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
      },
      path.resolve("submissions/alice-venv-app"),
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.filter((l) => l.startsWith("✓ "))).toHaveLength(6);
    expect(lines).toContain("score: 10/10");

    const scope = JSON.parse(readFileSync(gradescope, "utf8"));
    expect(scope).toMatchObject({ score: 10, max_score: 10, output: "10/10 points" });
    expect(scope.tests).toHaveLength(6);
    expect(scope.tests[0]).toEqual({
      name: "dockerfile-multistage",
      score: 2,
      max_score: 2,
      status: "passed",
      output: expect.stringMatching(/^2 stages/),
      output_format: "text",
      visibility: "visible",
    });
    expect(scope).toMatchObject({ output_format: "text", test_output_format: "text" });

    // One result per check, as a step output named by its id (examples/github-actions-autograding.yml)
    const outputs = readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
    expect(outputs.map(([id]) => id)).toEqual(CHECK_IDS);
    for (const [id, encoded] of outputs) {
      expect(result.stdout).toContain(`${id}=${encoded}\n`);
      const classroom = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
      expect(classroom).toMatchObject({ version: 1, status: "pass", tests: [{ name: id, status: "pass", line_no: expect.any(Number) }] });
    }
    expect(readFileSync(summary, "utf8")).toMatch(/\| ✅ \| `greeting-served` \| 2\/2 \|/);
    // The student's id from --id (in CI: the repository's name), and their Dockerfile as their repository names it
    expect(JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")).submissions[0]).toMatchObject({
      id: "lab42-alice",
      dockerfile: "Dockerfile",
    });
    expect(readFileSync(path.join(out, "junit.xml"), "utf8")).toContain('<testsuite name="lab42-alice"');
  }, 300_000);

  it("exits 3 when no engine answers, and still writes Classroom's and Gradescope's results: errors that record no score", async () => {
    const gradescope = temp("results.json");
    const output = temp("output");
    writeFileSync(output, "");
    const result = await runCli(
      ["check", "--classroom", "--gradescope", gradescope],
      { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock", GITHUB_OUTPUT: output },
      path.resolve("submissions/alice-venv-app"),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no Docker engine answers at DOCKER_HOST=unix:\/\//);
    const outputs = readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
    expect(outputs.map(([id]) => id)).toEqual(CHECK_IDS);
    for (const [, encoded] of outputs) {
      expect(JSON.parse(Buffer.from(encoded, "base64").toString("utf8"))).toMatchObject({
        status: "error",
        max_score: 0,
        tests: [{ status: "error", message: expect.stringMatching(/no Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent/) }],
      });
    }
    const scope = JSON.parse(readFileSync(gradescope, "utf8"));
    expect(scope).toMatchObject({ score: 0, tests: [] });
    expect(scope.output).toMatch(/^The autograder could not grade this submission: no Docker engine answers/);
  }, 60_000);

  it("exits 1 and shows the message and the lab's hint for a failed check", async () => {
    const result = await runCli(["check", path.resolve("submissions/grace-wrong-greeting")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ greeting-served +0\/2 +GET \/ on port 5000 answered 200 but with "Hello, World!"/m);
    expect(result.stdout).toMatch(/^ {4}hint: The app must answer GET \//m);
    expect(result.stdout).toContain("score: 8/10");
  }, 300_000);

  it("exits 5 and marks ○ what this engine cannot grade, saying what would; the Dockerfile's own checks are graded", async () => {
    // --builder classic cannot build a heredoc on any engine: what a student sees on an engine without BuildKit
    const result = await runCli(["check", "--builder", "classic", path.resolve("submissions/mallory-buildkit-heredoc")]);
    expect(result.code).toBe(5);
    expect(result.stdout).toMatch(/^○ image-builds +–\/2 +not graded: /m);
    expect(result.stdout).toMatch(/^✓ dockerfile-multistage +2\/2 /m);
    expect(result.stdout).not.toMatch(/^✗ /m);
    expect(result.stdout).not.toContain("hint:");
    expect(result.stdout).toMatch(
      /^score: 2\/2 \(not graded: 8 point\(s\) of [-a-z, ]+; grade again on BuildKit \(grade without --builder classic\)\)$/m,
    );
    expect(result.stderr).toMatch(/^ {2}mallory-buildkit-heredoc: image-builds[-a-z, ]*; needs BuildKit \(grade without --builder classic\)$/m);
  }, 120_000);

  it("exits 2 for a folder that does not exist", async () => {
    const result = await runCli(["check", "no/such/folder"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no\/such\/folder is not a directory/);
  });
});
