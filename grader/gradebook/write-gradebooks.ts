import path from "node:path";
import { atomicWrite } from "../common/atomic-write";
import type { GradesDocument } from "../report/grades";
import { renderCanvasGradebook } from "./canvas-gradebook";
import { buildGradebook, type Gradebook, type GradebookFormat } from "./gradebook";
import { renderMoodleGradebook } from "./moodle-gradebook";
import type { Roster } from "./roster";

export interface GradebookRequest {
  formats: GradebookFormat[];
  roster?: Roster;
  /** Canvas: the assignment column's header; default the lab's title. */
  canvasAssignment?: string;
  bom: boolean;
}

export const gradebookFile = (format: GradebookFormat): string => `gradebook-${format}.csv`;

/** Writes gradebook-<format>.csv for each format asked for, each atomically; returns what it paired. */
export function writeGradebooks(outDir: string, grades: GradesDocument, request: GradebookRequest): Gradebook {
  const gradebook = buildGradebook(grades, request.roster);
  for (const format of request.formats) {
    const text =
      format === "canvas"
        ? renderCanvasGradebook(gradebook, request.canvasAssignment ?? grades.lab.title, { bom: request.bom })
        : renderMoodleGradebook(gradebook, { bom: request.bom });
    atomicWrite(path.join(outDir, gradebookFile(format)), text);
  }
  return gradebook;
}
