import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";

/**
 * The Docker Desktop path (`sandbox.network: published`, which `auto` picks where container addresses are not
 * reachable): the app is probed through a port published on 127.0.0.1 only.
 */
describe("sandbox.network: published", () => {
  it("probes through a port on 127.0.0.1 and still tells a 127.0.0.1-bound app apart", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "lab-grader-published-"));
    const lab = path.join(work, "lab");
    mkdirSync(lab);
    const yaml = readFileSync(path.resolve("specs/lab42.yaml"), "utf8")
      .replace("../reference/solution", path.resolve("reference/solution"))
      .replace("../reference/single-stage", path.resolve("reference/single-stage"))
      .replace("  network: auto\n", "  network: published\n");
    expect(yaml).toContain("network: published");
    writeFileSync(path.join(lab, "lab42.yaml"), yaml);
    cpSync(path.resolve("specs/lab42.spec.ts"), path.join(lab, "lab42.spec.ts"));
    const submissions = path.join(work, "submissions");
    for (const id of ["alice-venv-app", "heidi-localhost"]) cpSync(path.resolve("submissions", id), path.join(submissions, id), { recursive: true });

    const out = path.join(work, "reports");
    const result = await runCli(["grade", submissions, "--lab", path.join(lab, "lab42.yaml"), "--out", out, "--run-timeout", "8"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/network published/);
    const grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
    const greeting = (id: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === "greeting-served")!;
    expect(greeting("alice-venv-app").passed).toBe(true);
    expect(greeting("heidi-localhost")).toMatchObject({ passed: false, message: expect.stringMatching(/Is the app listening on 0\.0\.0\.0:5000\?/) });
  }, 600_000);
});
