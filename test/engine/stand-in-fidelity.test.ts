import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { connectEngine } from "../../grader/engine/client";
import { inspectImage } from "../../grader/engine/images";
import { LABEL, standInPlanFor } from "../../grader/engine/stand-in/stand-in-recipe";
import { loadLabSpec } from "../../grader/lab/lab-spec";

/**
 * Every base image of Lab 42 must behave like the official python:X.Y-slim image on the points a student's
 * Dockerfile relies on. These run against whatever `lab-grader setup` left on the engine: on this project's
 * machines, offline stand-ins (the label test fails if a stand-in is missing its marks).
 */
const images = loadLabSpec("specs/lab42.yaml").baseImages;

describe.each(images)("base image %s", (image) => {
  const minor = /^python:(\d+\.\d+)/.exec(image)![1];
  let container: StartedTestContainer;

  beforeAll(async () => {
    container = await new GenericContainer(image).withNetworkMode("none").withCommand(["sleep", "infinity"]).start();
  }, 60_000);

  afterAll(async () => {
    await container?.stop({ timeout: 0 });
  });

  const sh = async (script: string): Promise<{ exitCode: number; output: string }> =>
    container.exec(["sh", "-c", script]);

  it("has python, python3, pip and pip3 in /usr/local/bin", async () => {
    const result = await sh("for t in python python3 pip pip3; do command -v $t; done");
    expect(result.output.trim().split("\n")).toEqual([
      "/usr/local/bin/python",
      "/usr/local/bin/python3",
      "/usr/local/bin/pip",
      "/usr/local/bin/pip3",
    ]);
  });

  it(`runs Python ${minor}`, async () => {
    const result = await sh("python --version");
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(new RegExp(`^Python ${minor.replace(".", "\\.")}\\.\\d+`));
  });

  it("does not have Flask before it is installed", async () => {
    const result = await sh("python -c 'import flask'");
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain("No module named 'flask'");
  });

  it("installs Flask as root into /usr/local/lib/pythonX.Y/site-packages with the network off", async () => {
    const install = await sh("pip install flask 2>&1");
    expect(install.output).not.toMatch(/externally.managed/i);
    expect(install.exitCode).toBe(0);
    const where = await sh("python -c 'import flask, werkzeug, jinja2, click, itsdangerous, markupsafe; print(flask.__file__)'");
    expect(where.exitCode).toBe(0);
    expect(where.output.trim()).toBe(`/usr/local/lib/python${minor}/site-packages/flask/__init__.py`);
  }, 60_000);

  it("creates a venv whose pip installs Flask with the network off", async () => {
    const result = await sh(
      "python -m venv /v && /v/bin/pip install flask >/dev/null && /v/bin/python -c 'import flask, sys; print(sys.prefix, flask.__file__)'",
    );
    expect(result.exitCode).toBe(0);
    expect(result.output.trim()).toBe(`/v /v/lib/python${minor}/site-packages/flask/__init__.py`);
  }, 60_000);

  it("is marked as a stand-in and says what it was built from, when it is one", async () => {
    const engine = await connectEngine();
    const labels = (await inspectImage(engine.docker, image))?.Config?.Labels ?? {};
    if (labels[LABEL.standIn] === undefined) {
      // An official image pulled from a registry: nothing of ours to check, but say so in the test name's place.
      expect(labels[LABEL.recipe]).toBeUndefined();
      return;
    }
    expect(labels[LABEL.standIn]).toBe("true");
    expect(labels[LABEL.python]).toBe(minor);
    expect(labels[LABEL.builtFrom]).toBe(standInPlanFor(image)!.builtFrom);
  });
});
