import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "@jest/globals";
import type { GradesDocument } from "../../grader/report/grades";
import type { CliResult } from "./cli";

const CORPUS = path.resolve("test/fairness/cache-mounts");

/**
 * Grades, in one run and one after another, a correct answer whose pip step fails when its cache mounts hold a
 * file it did not put there (and leaves one of its own in each); a planter that fails when they hold anything,
 * then plants; a submission that runs the victim's very steps after the planting; the victim again.
 */
export async function gradeCacheMountCorpus(cli: (args: string[]) => Promise<CliResult>): Promise<GradesDocument> {
  const submissions = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-cache-mounts-")), "submissions");
  const copies: [string, string][] = [
    ["1-checks-first", "checks-its-cache-mounts-too"],
    ["2-plants", "plants-in-cache-mounts"],
    ["3-same-steps", "same-steps-as-victim"],
    ["4-checks-after", "checks-its-cache-mounts"],
  ];
  for (const [id, from] of copies) cpSync(path.join(CORPUS, from), path.join(submissions, id), { recursive: true });
  const out = path.join(path.dirname(submissions), "out");
  const result = await cli(["grade", submissions, "--out", out, "--concurrency", "1"]);
  if (result.code !== 0) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
}

/** The planter saw nothing of the first answer's, built with BuildKit; both answers got full marks around it. */
export function expectPrivateCacheMounts(grades: GradesDocument): void {
  const submission = (id: string) => grades.submissions.find((s) => s.id === id)!;
  const built = (id: string) => submission(id).checks.find((c) => c.id === "image-builds")!;
  expect(built("2-plants")).toMatchObject({ passed: true });
  expect(submission("2-plants").builder).toBe("buildkit");
  for (const id of ["1-checks-first", "4-checks-after"])
    expect({ id, build: built(id).message, passed: built(id).passed, score: submission(id).score }).toEqual({
      id,
      build: built(id).message,
      passed: true,
      score: 10,
    });
}
