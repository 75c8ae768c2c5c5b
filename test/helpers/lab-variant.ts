import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A copy of Lab 42 in a folder outside the repository — its YAML edited by `edit`, with a spec file of its own
 * when `specTs` is given — with reference paths made absolute. Returns the YAML's path and the work folder.
 */
export function labVariant(edit: (yaml: string) => string, specTs?: string): { labFile: string; work: string } {
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-variant-"));
  const lab = path.join(work, "lab");
  mkdirSync(lab);
  const original = readFileSync(path.resolve("specs/lab42.yaml"), "utf8")
    .replace("../reference/solution", path.resolve("reference/solution"))
    .replace("../reference/single-stage", path.resolve("reference/single-stage"));
  const edited = edit(original);
  if (edited === original) throw new Error("labVariant: the edit changed nothing (did specs/lab42.yaml change?)");
  writeFileSync(path.join(lab, "lab42.yaml"), edited);
  if (specTs) writeFileSync(path.join(lab, "lab42.spec.ts"), specTs);
  return { labFile: path.join(lab, "lab42.yaml"), work };
}

/** Copies sample submissions (by id) into `<work>/submissions`. */
export function copySamples(work: string, ids: string[]): string {
  const submissions = path.join(work, "submissions");
  for (const id of ids) cpSync(path.resolve("submissions", id), path.join(submissions, id), { recursive: true });
  return submissions;
}
