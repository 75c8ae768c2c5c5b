import { readFileSync } from "node:fs";
import path from "node:path";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import type { GradesDocument } from "../report/grades";
import { sanitizeForTerminal } from "../report/sanitize";
import { renderSummaryTable } from "../report/summary-table";
import { writeOutputs } from "../report/write-outputs";
import { compareIds } from "../submission/discover";
import { gradebookRequest, writeAndListGradebooks, type GradebookFlags } from "./gradebook-flags";
import { notGradedByTheEngine } from "./not-graded-exit";

/** `lab-grader merge --out DIR DIR…`: combine the outputs of shards (or of separate runs) into one set. */
export async function mergeCommand(dirs: string[], options: GradebookFlags & { out: string }): Promise<number> {
  const gradebooks = gradebookRequest(options);
  const parts = dirs.map((dir) => readResults(dir));
  const first = parts[0];
  const seen = new Map<string, string>();
  for (const [i, part] of parts.entries()) {
    if (part.lab.id !== first.lab.id) {
      throw new UserFacingError(
        `${dirs[i]} holds grades of lab ${part.lab.id}, ${dirs[0]} of lab ${first.lab.id}: merge one lab at a time`,
        ExitCode.usage,
      );
    }
    for (const submission of part.submissions) {
      const other = seen.get(submission.id);
      if (other)
        throw new UserFacingError(
          `submission ${sanitizeForTerminal(submission.id)} is in both ${other} and ${dirs[i]}: were the shards overlapping?`,
          ExitCode.usage,
        );
      seen.set(submission.id, dirs[i]);
    }
    if (part.reference.thresholdBytes !== first.reference.thresholdBytes) {
      console.error(
        `warning: ${dirs[i]} used a size threshold of ${part.reference.thresholdBytes} bytes, ${dirs[0]} ${first.reference.thresholdBytes}: each submission keeps the verdict of its own run`,
      );
    }
  }
  const merged: GradesDocument = {
    ...first,
    gradedAt: parts
      .map((p) => p.gradedAt)
      .sort()
      .pop()!,
    submissions: parts.flatMap((p) => p.submissions).sort((a, b) => compareIds(a.id, b.id)),
    // Every shard lists the same entries that are not submissions: keep each once.
    skipped: [
      ...new Map(
        parts
          .flatMap((p) => p.skipped)
          .filter((e) => !seen.has(e.name))
          .map((e) => [e.name, e]),
      ).values(),
    ],
    grader: { ...first.grader, peakRssBytes: Math.max(...parts.map((p) => p.grader.peakRssBytes)) },
  };
  writeOutputs(options.out, merged, { bom: options.csvBom });
  process.stdout.write(`${renderSummaryTable(merged)}\n`);
  console.error(`merged ${merged.submissions.length} submission(s) from ${dirs.length} run(s) into ${options.out}`);
  if (gradebooks) writeAndListGradebooks(options.out, merged, gradebooks);
  // The merged set is what a CI job hands on: it exits as the runs that graded it did.
  return notGradedByTheEngine(merged.submissions, "by the engines that graded them") ?? ExitCode.ok;
}

function readResults(dir: string): GradesDocument {
  const file = path.join(dir, "results.json");
  try {
    return JSON.parse(readFileSync(file, "utf8")) as GradesDocument;
  } catch (error) {
    throw new UserFacingError(`${file}: cannot read it (${(error as Error).message}); pass directories written by lab-grader grade`, ExitCode.usage);
  }
}
