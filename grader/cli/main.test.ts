import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "./main";

describe("--probe-timeout", () => {
  it("is named as the lab spec's timeouts.probeSeconds; --run-timeout, its old name, still works with a warning", async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    // The usage error itself ("cannot read it") is not what this test is about.
    const error = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      // A folder that does not exist: grade stops there (exit 2), after the options were read.
      const empty = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-")), "missing");
      expect(await main(["node", "lab-grader", "grade", empty, "--run-timeout", "5"])).toBe(2);
      expect(written.join("")).toContain("warning: --run-timeout is now --probe-timeout");
      written.length = 0;
      expect(await main(["node", "lab-grader", "grade", empty, "--probe-timeout", "5"])).toBe(2);
      expect(written.join("")).not.toContain("--run-timeout");
    } finally {
      spy.mockRestore();
      stdout.mockRestore();
      error.mockRestore();
    }
  });
});
