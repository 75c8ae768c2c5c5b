import type { GradesDocument } from "../../grader/report/grades";

/** A results.json document as a run writes it, for renderer and merge tests; `overrides` sets what a test is about. */
export function gradesDocument(overrides: Partial<GradesDocument> = {}): GradesDocument {
  return {
    lab: { id: "lab42", title: "Lab 42", file: "lab42.yaml" },
    runId: "r",
    gradedAt: "2026-01-01T00:00:00Z",
    engine: {
      location: "x",
      product: "Docker Engine 1",
      imageStore: "overlay2 graphdriver",
      version: "1",
      apiVersion: "1.41",
      os: "linux",
      architecture: "amd64",
    },
    reference: { referenceBytes: 100e6, baselineBytes: 120e6, thresholdBytes: 110e6, thresholdRule: "1.10 × the reference solution" },
    skipped: [],
    grader: { version: "0", peakRssBytes: 1 },
    submissions: [],
    ...overrides,
  } as GradesDocument;
}
