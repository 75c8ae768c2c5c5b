import { readFileSync } from "node:fs";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { copySamples, labVariant } from "../helpers/lab-variant";

/**
 * Check kinds and params no sample lab uses, graded end to end on the host's engine: Lab 42 with its probe turned
 * into `POST /` (which Flask's GET-only route answers 405), four `command-output` checks, and `path-from-stage`
 * with a `stage`. alice runs the venv's python by its path, so `python` on PATH is the base image's, without
 * Flask; bob puts the venv first on PATH. alice copies /app/venv from her stage `builder`, bob /opt/venv from his
 * stage `build`.
 */
describe("a lab with command-output checks, a POST probe and a stage-specific path-from-stage", () => {
  let grades: GradesDocument;
  let stderr: string;

  beforeAll(async () => {
    const { labFile, work } = labVariant((yaml) =>
      yaml
        .replace(
          '    path: /\n    status: 200\n    body: "Hello, Docker Multi-Stage Build!"\n',
          "    path: /\n    method: POST\n    requestBody: hi\n    status: 405\n",
        )
        .replace(
          "\ntimeouts:\n",
          [
            "",
            "  - id: flask-on-path",
            "    kind: command-output",
            "    points: 1",
            '    command: [python, -c, "import flask; print(flask.__name__)"]',
            "    stdout: flask",
            "  - id: runs-as",
            "    kind: command-output",
            "    points: 1",
            '    command: [python, -c, "import os; print(os.getuid())"]',
            '    stdoutPattern: "^0$"',
            "  - id: sleeper",
            "    kind: command-output",
            "    points: 1",
            '    command: [python, -c, "import time; time.sleep(60)"]',
            "    timeoutSeconds: 2",
            "  - id: no-such-program",
            "    kind: command-output",
            "    points: 1",
            "    command: [/usr/bin/no-such-program]",
            "  - id: app-venv-from-builder",
            "    kind: path-from-stage",
            "    points: 1",
            "    path: /app/venv",
            "    stage: builder",
            "  - id: opt-venv-from-builder",
            "    kind: path-from-stage",
            "    points: 1",
            "    path: /opt/venv",
            "    stage: builder",
            "",
            "timeouts:",
            "",
          ].join("\n"),
        ),
    );
    const submissions = copySamples(work, ["alice-venv-app", "bob-opt-venv-path"]);
    const out = path.join(work, "out");
    const result = await runCli(["grade", submissions, "--lab", labFile, "--out", out]);
    stderr = result.stderr;
    if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
  }, 600_000);

  const check = (submission: string, id: string) => grades.submissions.find((s) => s.id === submission)!.checks.find((c) => c.id === id)!;

  it("sends the probe's method and body: both apps answer POST / with 405", () => {
    for (const id of ["alice-venv-app", "bob-opt-venv-path"]) {
      expect(check(id, "greeting-served")).toMatchObject({ passed: true, message: expect.stringMatching(/^POST \/ on port 5000 answered 405/) });
    }
  });

  it("runs each command in the image: its exit code and output decide", () => {
    expect(check("bob-opt-venv-path", "flask-on-path")).toMatchObject({
      passed: true,
      points: 1,
      message: '["python","-c","import flask; print(flask.__name__)"] exited 0 and printed "flask"',
    });
    expect(check("alice-venv-app", "flask-on-path")).toMatchObject({
      passed: false,
      reason: "wrong-exit-code",
      message: expect.stringMatching(/exited with code 1; expected 0\.\nIts last output:\n[\s\S]*ModuleNotFoundError: No module named 'flask'/),
    });
    for (const id of ["alice-venv-app", "bob-opt-venv-path"]) expect(check(id, "runs-as")).toMatchObject({ passed: true });
  });

  it("stops a command at its timeout, and says when the image has no such program", () => {
    expect(check("alice-venv-app", "sleeper")).toMatchObject({
      passed: false,
      reason: "timeout",
      message: expect.stringMatching(/still running after 2 s/),
    });
    expect(check("bob-opt-venv-path", "no-such-program")).toMatchObject({
      passed: false,
      reason: "not-started",
      message: expect.stringMatching(/^\["\/usr\/bin\/no-such-program"\] could not be started in the image: .*no such file or directory/i),
    });
  });

  it("traces a path to the stage it was copied from, by the stage's name", () => {
    expect(check("alice-venv-app", "app-venv-from-builder")).toMatchObject({ passed: true });
    expect(check("bob-opt-venv-path", "opt-venv-from-builder")).toMatchObject({
      passed: false,
      reason: "wrong-stage",
      message:
        "/opt/venv was copied from the stage named build (by `COPY --from=build /opt/venv /opt/venv`, line 8); this lab asks for it to come from the stage named builder",
    });
  });

  it("keeps the lab's other verdicts and records how long the commands took", () => {
    expect(grades.submissions.map((s) => [s.id, s.score, s.maxScore])).toEqual([
      ["alice-venv-app", 12, 16],
      ["bob-opt-venv-path", 12, 16],
    ]);
    for (const s of grades.submissions) expect(s.timingsMs?.commands).toBeGreaterThan(2000);
    expect(stderr).not.toMatch(/warning:/);
  });
});
