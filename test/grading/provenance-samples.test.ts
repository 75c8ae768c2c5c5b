import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { connectEngine } from "../../grader/engine/client";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { expectedFor, verdictMismatches, SAMPLE_CORPORA } from "../helpers/expected-verdicts";
import { ensureFlaskVenvImage, provenanceLab } from "../helpers/provenance-lab";

/** The provenance samples that need a lab variant (a venv copied from another image), graded for real. */
describe("lab-grader grade on the provenance samples", () => {
  let grades: GradesDocument;

  beforeAll(async () => {
    await ensureFlaskVenvImage((await connectEngine()).docker);
    const { labFile, work } = provenanceLab();
    cpSync(SAMPLE_CORPORA.provenance, path.join(work, "submissions"), { recursive: true });
    const result = await runCli(["grade", path.join(work, "submissions"), "--lab", labFile, "--out", path.join(work, "out")]);
    if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(work, "out", "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  it("gives each the expected verdicts", () => {
    const expected = expectedFor("provenance", grades.engine.version);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(verdictMismatches(grades, expected)).toEqual([]);
  });

  it("says the venv came from another image, and from which step", () => {
    const venv = grades.submissions.find((s) => s.id === "quinn-venv-from-image")!.checks.find((c) => c.id === "venv-copied")!;
    expect(venv.message).toMatch(
      /copied from another image, not from a stage of this Dockerfile \(by `COPY --from=lab-grader-test\/flask-venv:1 \/opt\/venv \/opt\/venv`, line 8\)/,
    );
  });
});
