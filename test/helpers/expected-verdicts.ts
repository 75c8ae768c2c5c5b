import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { GradesDocument } from "../../grader/report/grades";

export type Verdicts = Record<string, boolean>;

/** test/expected/lab42-verdicts.json: the one truth for every sample's verdicts, on every engine. */
export function expectedVerdicts(): Record<string, Verdicts> {
  const all = JSON.parse(readFileSync(path.resolve("test/expected/lab42-verdicts.json"), "utf8")) as Record<string, Verdicts>;
  delete all._comment;
  return all;
}

/** The folders that hold the samples: submissions/ and, for samples that need a lab variant, test/provenance/. */
export const SAMPLE_CORPORA = { samples: path.resolve("submissions"), provenance: path.resolve("test/provenance/submissions") };

/** The expected verdicts of the samples in one corpus. */
export function expectedFor(corpus: keyof typeof SAMPLE_CORPORA): Record<string, Verdicts> {
  return Object.fromEntries(Object.entries(expectedVerdicts()).filter(([id]) => existsSync(path.join(SAMPLE_CORPORA[corpus], id))));
}

/** Each submission's verdicts as graded, for the ids in `expected`. */
export function gradedVerdicts(grades: GradesDocument, expected: Record<string, Verdicts>): Record<string, Verdicts> {
  return Object.fromEntries(
    Object.keys(expected).map((id) => {
      const submission = grades.submissions.find((s) => s.id === id);
      return [id, Object.fromEntries((submission?.checks ?? []).map((c) => [c.id, c.passed]))];
    }),
  );
}
