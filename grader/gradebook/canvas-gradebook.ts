import { neutralizeCell, renderCsv, type CsvOptions } from "../report/csv";
import { formatPoints, type Gradebook, type GradebookEntry } from "./gradebook";

/**
 * gradebook-canvas.csv, in the layout Canvas' gradebook export writes and its import reads: the student columns
 * `Student, ID, SIS User ID, SIS Login ID, Section`, then one column per assignment headed `<title> (<assignment
 * id>)`, and a "Points Possible" row under the header. Canvas matches a row to a student by ID (its user id), else
 * by SIS User ID or SIS Login ID, else by name; a row it cannot match it asks about ("Not in my class, ignore
 * this row"). Any other column would be taken for an assignment, so there is exactly one, and no notes; an empty
 * grade changes nothing. Cells are quoted only where they must be, as in Canvas' export: its importer (Ruby's
 * CSV, with no byte order mark handling) would take a quote right after a BOM for a stray one. See
 * docs/gradebooks.md.
 */
export function renderCanvasGradebook(gradebook: Gradebook, assignment: string, options: CsvOptions = {}): string {
  const header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", neutralizeCell(assignment)];
  // Canvas' export indents this label; its import looks for "Points Possible" in the first cell.
  const pointsPossible = ["    Points Possible", "", "", "", "", formatPoints(gradebook.maxScore)];
  return renderCsv([header, pointsPossible, ...gradebook.entries.map(canvasRow)], options);
}

function canvasRow(entry: GradebookEntry): string[] {
  const { student, identity, submission } = entry;
  const name = student?.name ?? identity?.name ?? submission?.id ?? "";
  const userId = student?.canvasUserId ?? (identity?.lms === "canvas" ? identity.userId : "");
  return [name, userId, student?.sisId ?? "", student?.login ?? "", student?.section ?? "", formatPoints(entry.score)].map((cell, index) =>
    index === 5 ? cell : neutralizeCell(cell),
  );
}
