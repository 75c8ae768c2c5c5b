import { readFileSync } from "node:fs";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { copySamples, labVariant } from "../helpers/lab-variant";

/**
 * The Docker Desktop path (`sandbox.network: published`, which `auto` picks where container addresses are not
 * reachable): the app is probed through a port published on 127.0.0.1 only.
 */
describe("sandbox.network: published", () => {
  it("probes through a port on 127.0.0.1 and still tells a 127.0.0.1-bound app apart", async () => {
    // Also a hint for a reason the check never fails with (a typo): the run must warn about it.
    const { labFile, work } = labVariant((yaml) =>
      yaml
        .replace("  network: auto\n", "  network: published\n")
        .replace("    hints:\n      not-listening:", "    hints:\n      not-listenin: typo\n      not-listening:"),
    );
    const submissions = copySamples(work, ["alice-venv-app", "heidi-localhost"]);

    const out = path.join(work, "reports");
    const result = await runCli(["grade", submissions, "--lab", labFile, "--out", out, "--probe-timeout", "8"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/network published/);
    expect(result.stderr).toMatch(
      /^warning: .*lab42\.yaml: hints\.greeting-served\.not-listenin names no reason greeting-served fails for \(it has: not-built, /m,
    );
    const grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
    const greeting = (id: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === "greeting-served")!;
    expect(greeting("alice-venv-app").passed).toBe(true);
    expect(greeting("heidi-localhost")).toMatchObject({ passed: false, message: expect.stringMatching(/Is the app listening on 0\.0\.0\.0:5000\?/) });
  }, 600_000);
});
