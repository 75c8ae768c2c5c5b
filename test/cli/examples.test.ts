import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { runCli } from "../helpers/cli";

/** The CI examples in examples/ must be valid YAML and use only commands and options lab-grader has. */
describe("examples/", () => {
  const files = readdirSync(path.resolve("examples")).filter((f) => f.endsWith(".yml"));

  it.each(files)("%s uses only real lab-grader commands and options", async (file) => {
    const text = readFileSync(path.resolve("examples", file), "utf8");
    expect(() => yaml.load(text)).not.toThrow();
    const invocations = [...text.matchAll(/lab-grader\.js (\w+)([^\n]*)/g)].map((m) => ({ command: m[1], options: m[2].match(/--[a-z-]+/g) ?? [] }));
    expect(invocations.length).toBeGreaterThan(0);
    for (const { command, options } of invocations) {
      const help = await runCli([command, "--help"]);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      for (const option of options) expect({ command, option, known: help.stdout.includes(option) }).toEqual({ command, option, known: true });
    }
  });
});
