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

const MINIMAL = 'id: lab\ntitle: A lab\nbaseImages: ["python:3.9-slim"]\napp: {port: 5000, greeting: hello}\n';

describe("loadLabSpec", () => {
  it("loads Lab 42 with its three base images and the handout's greeting", () => {
    const spec = loadLabSpec("specs/lab42.yaml");
    expect(spec.id).toBe("lab42");
    expect(spec.baseImages).toEqual(["python:3.9-slim-buster", "python:3.9-slim", "python:3.11-slim"]);
    expect(spec.app).toEqual({ port: 5000, path: "/", greeting: "Hello, Docker Multi-Stage Build!" });
  });

  it("fills in defaults", () => {
    const spec = loadLabSpec(specFile(MINIMAL));
    expect(spec.app.path).toBe("/");
    expect(spec.size.maxRatioToReference).toBe(1.1);
    expect(spec.timeouts).toEqual({ buildSeconds: 300, startSeconds: 2, probeSeconds: 20 });
  });

  it("names the missing field", () => {
    const error = loadError('id: lab\ntitle: A lab\napp: {port: 5000, greeting: hello}\n');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/baseImages: is required but missing/);
  });

  it("names a nested field of the wrong type and what was expected", () => {
    const error = loadError(MINIMAL.replace("port: 5000", "port: five"));
    expect(error.message).toMatch(/app\.port: must be integer/);
  });

  it("rejects unknown fields, naming them", () => {
    const error = loadError(`${MINIMAL}greting: typo\n`);
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
