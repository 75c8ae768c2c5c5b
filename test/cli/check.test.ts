import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../helpers/cli";

const temp = (name: string) => path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-check-")), name);

/** The student's self-check, run the way a student or an LMS job runs it: inside the submission's folder. */
describe("lab-grader check", () => {
  it("passes a correct submission, prints every check, and writes Gradescope and Classroom results", async () => {
    const gradescope = temp("results.json");
    const summary = temp("summary.md");
    const output = temp("output");
    writeFileSync(summary, "");
    writeFileSync(output, "");
    const result = await runCli(["check", "--gradescope", gradescope, "--classroom"], {
      ...process.env,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
    }, path.resolve("submissions/alice-venv-app"));
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
      visibility: "visible",
    });

    const encoded = /^result=(\S+)$/m.exec(result.stdout)![1];
    const classroom = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
    expect(classroom).toMatchObject({ version: 1, status: "pass", max_score: 10 });
    expect(classroom.tests.map((t: { status: string }) => t.status)).toEqual(Array(6).fill("pass"));
    expect(readFileSync(output, "utf8")).toBe(`result=${encoded}\n`);
    expect(readFileSync(summary, "utf8")).toMatch(/\| ✅ \| `greeting-served` \| 2\/2 \|/);
  }, 300_000);

  it("exits 1 and shows the message and the lab's hint for a failed check", async () => {
    const result = await runCli(["check", path.resolve("submissions/grace-wrong-greeting")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ greeting-served +0\/2 +GET \/ on port 5000 answered 200 but with "Hello, World!"/m);
    expect(result.stdout).toMatch(/^ {4}hint: The app must answer GET \//m);
    expect(result.stdout).toContain("score: 8/10");
  }, 300_000);

  it("exits 3 when no engine answers, and still writes a Gradescope result that says why", async () => {
    const gradescope = temp("results.json");
    const closed = temp("closed.sock");
    const result = await runCli(["check", "submissions/alice-venv-app", "--gradescope", gradescope], { ...process.env, DOCKER_HOST: `unix://${closed}` });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no Docker engine answers at DOCKER_HOST=unix:\/\//);
    const scope = JSON.parse(readFileSync(gradescope, "utf8"));
    expect(scope).toMatchObject({ score: 0, tests: [] });
    expect(scope.output).toMatch(/^The autograder could not grade this submission: no Docker engine answers/);
  });

  it("exits 2 for a folder that does not exist", async () => {
    const result = await runCli(["check", "no/such/folder"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no\/such\/folder is not a directory/);
  });
});
