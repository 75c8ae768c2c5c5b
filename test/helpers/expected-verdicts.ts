import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";
import { olderThan } from "../../grader/grading/choose-builder";
import { analyzeDockerfile } from "../../grader/dockerfile/analyze";

export type Verdicts = Record<string, boolean>;

/**
 * test/expected/lab42-verdicts.json: the one truth for every sample's verdicts. With an engine version, the
 * verdicts of `_olderEngines` apply where that engine is older than the release they name.
 */
export function expectedVerdicts(engineVersion?: string): Record<string, Verdicts> {
  const all = JSON.parse(readFileSync(path.resolve("test/expected/lab42-verdicts.json"), "utf8")) as Record<string, unknown>;
  const older = all._olderEngines as Record<string, Record<string, Verdicts>>;
  delete all._comment;
  delete all._olderEngines;
  const verdicts = all as Record<string, Verdicts>;
  if (engineVersion !== undefined) {
    for (const [release, overrides] of Object.entries(older)) {
      if (release !== "_comment" && olderThan(engineVersion, release)) Object.assign(verdicts, overrides);
    }
  }
  return verdicts;
}

/**
 * The samples an engine of this version cannot build (`_olderEngines`), whose checks that need the image are not
 * graded there: each with the release it needs.
 */
export function notGradedOn(engineVersion: string): Record<string, string> {
  const all = JSON.parse(readFileSync(path.resolve("test/expected/lab42-verdicts.json"), "utf8")) as Record<string, unknown>;
  const older = all._olderEngines as Record<string, Record<string, Verdicts>>;
  const ids: Record<string, string> = {};
  for (const [release, overrides] of Object.entries(older)) {
    if (release === "_comment" || !olderThan(engineVersion, release)) continue;
    for (const id of Object.keys(overrides)) ids[id] = `Docker Engine ${release} or later`;
  }
  return ids;
}

/** The folders that hold the samples: submissions/ and, for samples that need a lab variant, test/provenance/. */
export const SAMPLE_CORPORA = { samples: path.resolve("submissions"), provenance: path.resolve("test/provenance/submissions") };

/**
 * The verdicts with `--builder classic`: a sample whose Dockerfile needs BuildKit is not built (its stage check
 * still decided from the Dockerfile); the others keep theirs.
 */
export function withClassicBuilder(expected: Record<string, Verdicts>, corpus: keyof typeof SAMPLE_CORPORA): Record<string, Verdicts> {
  return Object.fromEntries(
    Object.entries(expected).map(([id, verdicts]) => {
      if (!needsBuildkit(corpus, id)) return [id, verdicts];
      return [id, Object.fromEntries(Object.entries(verdicts).map(([check, passed]) => [check, check === "dockerfile-multistage" ? passed : false]))];
    }),
  );
}

/** Whether the sample's Dockerfile has syntax only BuildKit builds (the classic builder refuses it). */
export function needsBuildkit(corpus: keyof typeof SAMPLE_CORPORA, id: string): boolean {
  const dockerfile = path.join(SAMPLE_CORPORA[corpus], id, "Dockerfile");
  return existsSync(dockerfile) && analyzeDockerfile(readFileSync(dockerfile, "utf8")).buildkitFeatures.some((f) => f.blocking);
}

/** The expected verdicts of the samples in one corpus (on an engine of that version: see expectedVerdicts). */
export function expectedFor(corpus: keyof typeof SAMPLE_CORPORA, engineVersion?: string): Record<string, Verdicts> {
  return Object.fromEntries(Object.entries(expectedVerdicts(engineVersion)).filter(([id]) => existsSync(path.join(SAMPLE_CORPORA[corpus], id))));
}

/**
 * Every verdict that differs from `expected`, with the check's message: empty when all agree. A missing submission
 * or check shows as `got: undefined`; a check the expectations do not list, as a mismatch too.
 */
export function verdictMismatches(grades: GradesDocument, expected: Record<string, Verdicts>) {
  const mismatches: { id: string; check: string; expected: boolean; got?: boolean; message?: string }[] = [];
  for (const [id, verdicts] of Object.entries(expected)) {
    const submission = grades.submissions.find((s) => s.id === id);
    for (const [check, want] of Object.entries(verdicts)) {
      const graded = submission?.checks.find((c) => c.id === check);
      if (graded?.passed !== want) mismatches.push({ id, check, expected: want, got: graded?.passed, message: graded?.message });
    }
    const extra = (submission?.checks ?? []).filter((c) => !(c.id in verdicts));
    for (const c of extra) mismatches.push({ id, check: c.id, expected: false, got: c.passed, message: "a check the expectations do not list" });
  }
  return mismatches;
}

/** test/expected/lab43-verdicts.json: the expected verdicts of Lab 43's samples (test/lab43/submissions). */
export function lab43Verdicts(): Record<string, Verdicts> {
  const all = JSON.parse(readFileSync(path.resolve("test/expected/lab43-verdicts.json"), "utf8")) as Record<string, unknown>;
  delete all._comment;
  return all as Record<string, Verdicts>;
}

/** Where Lab 43 lives: its spec, its samples and its reference solution. */
export const LAB43 = {
  spec: path.resolve("specs/lab43.yaml"),
  samples: path.resolve("test/lab43/submissions"),
  solution: path.resolve("reference/lab43/solution"),
};

/** The exit code of a `grade` or `check` that wrote `grades`: 5 when this engine left checks not graded, else 0. */
export function exitCodeFor(grades: GradesDocument): number {
  return grades.submissions.some((s) => s.notGraded?.cause === "engine") ? 5 : 0;
}
