import { type Command, InvalidArgumentError } from "commander";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { GRADEBOOK_FORMATS, gradebookFindings, type GradebookFormat } from "../gradebook/gradebook";
import { readRoster } from "../gradebook/roster";
import { gradebookFile, writeGradebooks, type GradebookRequest } from "../gradebook/write-gradebooks";
import type { GradesDocument } from "../report/grades";
import { sanitizeForTerminal } from "../report/sanitize";

/** The flags `grade` and `merge` share for LMS gradebooks. */
export interface GradebookFlags {
  gradebook?: GradebookFormat[];
  roster?: string;
  canvasAssignment?: string;
  csvBom: boolean;
}

export function parseGradebookFormats(value: string): GradebookFormat[] {
  const formats = value.split(",").map((f) => f.trim().toLowerCase());
  const unknown = formats.filter((f) => !(GRADEBOOK_FORMATS as readonly string[]).includes(f));
  if (unknown.length || !formats.length) throw new InvalidArgumentError(`expected ${GRADEBOOK_FORMATS.join(", ")} or ${GRADEBOOK_FORMATS.join(",")}`);
  return [...new Set(formats)] as GradebookFormat[];
}

export function withGradebookOptions(command: Command): Command {
  return command
    .option(
      "--gradebook <lms>",
      "also write the grades in the layout an LMS imports: canvas, moodle or canvas,moodle (gradebook-<lms>.csv)",
      parseGradebookFormats,
    )
    .option("--roster <file>", "CSV of the class for --gradebook: who each submission is in the LMS; students without a submission are listed")
    .option(
      "--canvas-assignment <column>",
      'the Canvas assignment to fill, as its gradebook export heads it: "Lab 42 (12345)" (default: the lab\'s title)',
    )
    .option("--csv-bom", "start grades.csv and the gradebooks with a UTF-8 byte order mark, so Excel reads accents", false);
}

/** Checks that the flags go together and reads the roster — before grading, so a bad roster costs nothing. */
export function gradebookRequest(flags: GradebookFlags): GradebookRequest | undefined {
  if (flags.roster !== undefined && !flags.gradebook) {
    throw new UserFacingError("--roster is read for --gradebook: add --gradebook canvas, moodle or canvas,moodle", ExitCode.usage);
  }
  if (flags.canvasAssignment !== undefined && !flags.gradebook?.includes("canvas")) {
    throw new UserFacingError("--canvas-assignment names the column of --gradebook canvas: add it", ExitCode.usage);
  }
  if (!flags.gradebook) return undefined;
  const roster = flags.roster === undefined ? undefined : readRoster(flags.roster);
  return { formats: flags.gradebook, roster, canvasAssignment: flags.canvasAssignment, bom: flags.csvBom };
}

/** Writes the gradebooks, then lists on stderr every student and submission that did not pair up cleanly. */
export function writeAndListGradebooks(outDir: string, grades: GradesDocument, request: GradebookRequest): void {
  const gradebook = writeGradebooks(outDir, grades, request);
  for (const line of gradebookFindings(gradebook, request.formats)) console.error(`gradebook: ${sanitizeForTerminal(line, 300)}`);
  console.error(`wrote ${request.formats.map(gradebookFile).join(" and ")} to ${outDir}`);
}
