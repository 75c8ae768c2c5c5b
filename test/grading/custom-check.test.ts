import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { connectEngine } from "../../grader/engine/client";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { labVariant } from "../helpers/lab-variant";

/**
 * README's "Adding a check", for real: a lab folder outside this repository with its own spec file that adds
 * an instructor-written Jest check, graded on two real submissions.
 */
describe("a lab spec with an instructor's own check", () => {
  it("grades the extra check with its points, and its expect() message as feedback", async () => {
    const { labFile, work } = labVariant(
      (yaml) =>
        yaml.replace(
          "\ntimeouts:\n",
          "\n  - id: exposes-port\n    kind: custom\n    points: 1\n    hint: Add EXPOSE 5000 to the final stage.\n\ntimeouts:\n",
        ),
      `import { check, gradeSubmissions, labChecks } from "lab-grader/jest";

gradeSubmissions(() => {
  for (const declared of labChecks()) check(declared);
  check({ id: "exposes-port" }, (facts) => {
    expect(facts.image?.exposedPorts ?? []).toContain("5000/tcp");
  });
});
`,
    );
    const submissions = path.join(work, "submissions");
    cpSync(path.resolve("reference/solution"), path.join(submissions, "exposes"), { recursive: true });
    cpSync(path.resolve("submissions/alice-venv-app"), path.join(submissions, "silent"), { recursive: true });
    const dockerfile = path.join(submissions, "silent", "Dockerfile");
    writeFileSync(dockerfile, readFileSync(dockerfile, "utf8").replace("EXPOSE 5000\n", ""));

    const out = path.join(work, "reports");
    const result = await runCli(["grade", submissions, "--lab", labFile, "--out", out, "--keep-images"]);
    expect(result.stderr).not.toMatch(/warning:/);
    expect(result.code).toBe(0);
    const grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
    const extra = (id: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === "exposes-port")!;
    expect(extra("exposes")).toEqual({ id: "exposes-port", passed: true, points: 1, maxPoints: 1, message: "" });
    expect(extra("silent")).toMatchObject({ passed: false, points: 0, maxPoints: 1, hint: "Add EXPOSE 5000 to the final stage." });
    expect(extra("silent").message).toMatch(/expect\(received\)\.toContain\(expected\)[\s\S]*"5000\/tcp"/);
    expect(grades.submissions.map((s) => [s.id, s.score, s.maxScore])).toEqual([
      ["exposes", 11, 11],
      ["silent", 10, 11],
    ]);
    expect(readFileSync(path.join(out, "junit.xml"), "utf8")).toContain('name="exposes-port"');

    // --keep-images: both images are still there, tagged with the run.
    const engine = await connectEngine();
    const kept = await engine.docker.listImages({ filters: { reference: [`lab-grader/lab42-*:${grades.runId}`] } });
    expect(kept).toHaveLength(2);
    for (const image of kept) await engine.docker.getImage(image.Id).remove({ force: true });
  }, 600_000);
});
