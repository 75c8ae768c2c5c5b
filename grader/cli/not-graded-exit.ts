import { ExitCode } from "../common/exit-codes";
import type { SubmissionGrade } from "../report/grades";
import { sanitizeForTerminal } from "../report/sanitize";

/**
 * Exit 3 when submissions were left ungraded because the engine's disk was under the lab's floor: what was
 * graded is kept, and `--resume` grades the rest once there is room.
 */
export function notGradedForDisk(submissions: SubmissionGrade[]): number | undefined {
  const stopped = submissions.filter((s) => s.graderErrorKind === "disk-floor");
  if (!stopped.length) return undefined;
  console.error(`not graded for lack of disk space on the engine: ${stopped.map((s) => sanitizeForTerminal(s.id)).join(", ")}`);
  // The floor's own words (figures only), not a submission's
  console.error(`  ${stopped[stopped.length - 1].graderError}`);
  return ExitCode.notReady;
}

/**
 * Exit 5 when the engine could not grade some checks (see NotGraded): lists those submissions, each with what
 * would grade it, to grade again there (`--only`, or `--resume` on that engine).
 */
export function notGradedByTheEngine(submissions: SubmissionGrade[], where = "on this engine"): number | undefined {
  const left = submissions.filter((s) => s.notGraded?.cause === "engine");
  if (!left.length) return undefined;
  console.error(`not graded ${where} (${left.length}): grade these again on an engine that can build them, with --resume or --only`);
  for (const s of left)
    console.error(`  ${sanitizeForTerminal(s.id)}: ${s.notGraded!.checks.join(", ")}; needs ${s.notGraded!.needs ?? "another engine"}`);
  return ExitCode.notGraded;
}
