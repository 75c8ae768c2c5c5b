import { readFileSync } from "node:fs";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { copySamples, labVariant } from "../helpers/lab-variant";

/** size.reference: same-base — a correct answer on another base image is compared with the reference on that base. */
describe("size.reference: same-base", () => {
  it("passes carol's correct python:3.11 answer that the lab's 3.9 reference fails, and says which reference", async () => {
    const { labFile, work } = labVariant((yaml) =>
      yaml.replace("    maxRatioToReference: 1.10\n", "    maxRatioToReference: 1.10\n    reference: same-base\n"),
    );
    const submissions = copySamples(work, ["carol-unnamed-stages", "alice-venv-app"]);

    const out = path.join(work, "reports");
    const result = await runCli(["grade", submissions, "--lab", labFile, "--out", out]);
    expect(result.code).toBe(0);
    const grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
    const size = (id: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === "size-under-threshold")!;
    expect(size("carol-unnamed-stages")).toMatchObject({
      passed: true,
      message: expect.stringMatching(/1\.10 × the reference solution rebuilt on python:3\.11-slim/),
    });
    // alice names python:3.9-slim, not the reference's python:3.9-slim-buster: the reference is rebuilt on it too.
    expect(size("alice-venv-app")).toMatchObject({
      passed: true,
      message: expect.stringMatching(/1\.10 × the reference solution rebuilt on python:3\.9-slim,/),
    });
  }, 600_000);
});
