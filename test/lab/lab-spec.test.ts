import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { UserFacingError } from "../../grader/common/exit-codes";
import { loadLabSpec } from "../../grader/lab/lab-spec";

function specFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "lab-spec-")), "lab.yaml");
  writeFileSync(file, text);
  return file;
}

function loadError(text: string): UserFacingError {
  try {
    loadLabSpec(specFile(text));
  } catch (error) {
    return error as UserFacingError;
  }
  throw new Error("expected the spec to be rejected");
}

const MINIMAL =
  'id: lab\ntitle: A lab\nbaseImages: ["python:3.9-slim"]\napp: {port: 5000}\nreference: {solution: s, singleStage: b}\n' +
  "checks:\n  - {id: builds, kind: image-builds, points: 1}\n  - {id: answers, kind: http-probe, points: 2, body: hello}\n";

describe("loadLabSpec", () => {
  it("loads Lab 42: its three base images, its six checks with their kinds and points, the handout's greeting", () => {
    const spec = loadLabSpec("specs/lab42.yaml");
    expect(spec.id).toBe("lab42");
    expect(spec.baseImages).toEqual(["python:3.9-slim-buster", "python:3.9-slim", "python:3.11-slim"]);
    expect(spec.checks.map((c) => `${c.id}: ${c.kind}`)).toEqual([
      "dockerfile-multistage: stage-structure",
      "image-builds: image-builds",
      "container-runs: keeps-running",
      "greeting-served: http-probe",
      "venv-copied: venv-from-stage",
      "size-under-threshold: image-size",
    ]);
    expect(spec.points).toEqual({
      "dockerfile-multistage": 2,
      "image-builds": 2,
      "container-runs": 1,
      "greeting-served": 2,
      "venv-copied": 2,
      "size-under-threshold": 1,
    });
    expect(spec.checks[3]).toMatchObject({ path: "/", status: 200, body: "Hello, Docker Multi-Stage Build!" });
  });

  it("fills in defaults", () => {
    const spec = loadLabSpec(specFile(MINIMAL));
    expect(spec.size).toEqual({ maxRatioToReference: 1.1, reference: "lab" });
    expect(spec.timeouts).toEqual({ buildSeconds: 300, startSeconds: 2, probeSeconds: 20 });
  });

  it("names the missing field", () => {
    const error = loadError(MINIMAL.replace('baseImages: ["python:3.9-slim"]\n', ""));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/baseImages: is required but missing/);
  });

  it("requires the reference: a lab is never measured against another lab's", () => {
    expect(loadError(MINIMAL.replace("reference: {solution: s, singleStage: b}\n", "")).message).toMatch(/reference: is required but missing/);
  });

  it("checks each check's params against its kind, naming the check's place", () => {
    const error = loadError(`${MINIMAL}  - {id: small, kind: path-absent, points: 1, path: /bin/sh}\n  - {id: odd, kind: no-such-kind, points: 1}\n`);
    expect(error.message).toMatch(/checks\.2\.paths: is required but missing/);
    expect(error.message).toMatch(/checks\.2\.path: is not a known field/);
    expect(error.message).toMatch(/checks\.3\.kind: must be one of "stage-structure"/);
  });

  it("refuses a repeated id, a second probe, and a check that runs the app with no port", () => {
    expect(loadError(`${MINIMAL}  - {id: builds, kind: image-builds, points: 1}\n`).message).toMatch(/checks\.2\.id: "builds" is declared twice/);
    expect(loadError(`${MINIMAL}  - {id: again, kind: http-probe, points: 1}\n`).message).toMatch(/at most one check of kind http-probe/);
    expect(loadError(MINIMAL.replace("app: {port: 5000}\n", "")).message).toMatch(
      /app\.port: is required \(check answers runs or names the app's port\)/,
    );
  });

  it("takes an HTTP method and a request body, but no body with GET", () => {
    const post = loadLabSpec(
      specFile(MINIMAL.replace("body: hello}", "method: POST, requestBody: '{}', requestContentType: application/json, body: hello}")),
    );
    expect(post.checks[1]).toMatchObject({ method: "POST", requestBody: "{}", requestContentType: "application/json" });
    expect(loadError(MINIMAL.replace("body: hello}", "requestBody: x, body: hello}")).message).toMatch(/checks\.1\.method: must be one of "POST"/);
    expect(loadError(MINIMAL.replace("body: hello}", "method: FETCH, body: hello}")).message).toMatch(/checks\.1\.method: must be one of "GET"/);
  });

  it("takes a command to run in the image, refusing an empty one and a pattern that is no regular expression", () => {
    const spec = loadLabSpec(specFile(`${MINIMAL}  - {id: flask, kind: command-output, points: 1, command: [python, -c, "import flask"]}\n`));
    expect(spec.checks[2]).toMatchObject({ command: ["python", "-c", "import flask"], exitCode: 0, timeoutSeconds: 10 });
    expect(loadError(`${MINIMAL}  - {id: flask, kind: command-output, points: 1, command: []}\n`).message).toMatch(
      /checks\.2\.command: must NOT have fewer than 1 items/,
    );
    expect(loadError(`${MINIMAL}  - {id: v, kind: command-output, points: 1, command: [x], stdoutPattern: "v(1"}\n`).message).toMatch(
      /checks\.2\.stdoutPattern: not a regular expression \(Invalid regular expression/,
    );
  });

  it("takes a stage for path-from-stage by name or index", () => {
    const spec = loadLabSpec(
      specFile(
        `${MINIMAL}  - {id: a, kind: path-from-stage, points: 1, path: entrypoint, stage: build}\n  - {id: b, kind: path-from-stage, points: 1, path: /x, stage: 0}\n`,
      ),
    );
    expect(spec.checks.slice(2).map((c) => c.stage)).toEqual(["build", 0]);
    expect(loadError(`${MINIMAL}  - {id: a, kind: path-from-stage, points: 1, path: entrypoint, stage: -1}\n`).message).toMatch(
      /checks\.2\.stage: must be >= 0/,
    );
  });

  it("names a nested field of the wrong type and what was expected", () => {
    const error = loadError(MINIMAL.replace("port: 5000", "port: five"));
    expect(error.message).toMatch(/app\.port: must be integer/);
  });

  it("rejects unknown fields, naming them", () => {
    const error = loadError(`greting: typo\n${MINIMAL}`);
    expect(error.message).toMatch(/greting: is not a known field/);
  });

  it("reports YAML syntax errors with the file", () => {
    const error = loadError("id: [unclosed\n");
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/not valid YAML/);
  });

  it("says which file could not be read", () => {
    expect(() => loadLabSpec("/no/such/lab.yaml")).toThrow(/lab spec \/no\/such\/lab.yaml: cannot read it/);
  });
});
