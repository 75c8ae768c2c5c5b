import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { runCli } from "../helpers/cli";

/** The CI examples in examples/ must be valid YAML (the workflows) and use only commands and options lab-grader has. */
describe("examples/", () => {
  const files = [...readdirSync(path.resolve("examples")).filter((f) => f.endsWith(".yml")), "gradescope/run_autograder"];

  it.each(files)("%s uses only real lab-grader commands and options", async (file) => {
    const text = readFileSync(path.resolve("examples", file), "utf8");
    if (file.endsWith(".yml")) expect(() => yaml.load(text)).not.toThrow();
    const invocations = [...text.matchAll(/lab-grader\.js (\w+)([^\n]*)/g)].map((m) => ({ command: m[1], options: m[2].match(/--[a-z-]+/g) ?? [] }));
    expect(invocations.length).toBeGreaterThan(0);
    for (const { command, options } of invocations) {
      const help = await runCli([command, "--help"]);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      for (const option of options) expect({ command, option, known: help.stdout.includes(option) }).toEqual({ command, option, known: true });
    }
  });
});

/**
 * GitHub Classroom's grading reporter uploads a score only from a workflow named "Autograding Tests" with the
 * single job "run-autograding-tests" (its README), reads each runner's result from `<ID>_RESULTS`, and fails on a
 * runner whose result is missing; `check --classroom` writes one result per check of the lab, as a step output
 * named by the check's id.
 */
describe("examples/github-actions-autograding.yml", () => {
  const workflow = yaml.load(readFileSync(path.resolve("examples/github-actions-autograding.yml"), "utf8")) as {
    name: string;
    permissions: Record<string, string>;
    jobs: Record<
      string,
      { steps: { id?: string; if?: string; run?: string; uses?: string; env?: Record<string, string>; with?: Record<string, string> }[] }
    >;
  };
  const checkIds = (yaml.load(readFileSync(path.resolve("specs/lab42.yaml"), "utf8")) as { checks: { id: string }[] }).checks.map((c) => c.id);

  it("has the name, the single job and the permissions the reporter and the JUnit report need", () => {
    expect(workflow.name).toBe("Autograding Tests");
    expect(Object.keys(workflow.jobs)).toEqual(["run-autograding-tests"]);
    expect(workflow.permissions).toMatchObject({ actions: "read", contents: "read", checks: "write" });
  });

  it("hands the reporter one runner per check of the lab, each from the check step's output of that name, even when a step before failed", () => {
    const steps = workflow.jobs["run-autograding-tests"].steps;
    const check = steps.find((s) => s.run?.includes(" check ") && s.run.includes("--classroom"))!;
    expect(check).toMatchObject({ id: "lab42", if: "always()" });
    const reporter = steps.find((s) => s.uses?.startsWith("classroom-resources/autograding-grading-reporter@"))!;
    expect(reporter.if).toBe("always()");
    expect(reporter.with!.runners.split(",")).toEqual(checkIds);
    expect(reporter.env).toEqual(Object.fromEntries(checkIds.map((id) => [`${id.toUpperCase()}_RESULTS`, `\${{ steps.lab42.outputs['${id}'] }}`])));
  });
});
