import path from "node:path";
import { ExitCode } from "../common/exit-codes";
import { runGrading } from "../grading/run-grading";
import { loadLabSpec } from "../lab/lab-spec";
import { sanitizeForTerminal } from "../report/sanitize";
import { discoverSubmissions } from "../submission/discover";

export interface GradeOptions {
  lab: string;
  out: string;
  concurrency?: number;
  buildTimeout?: number;
  runTimeout?: number;
  keepImages: boolean;
}

/** Exit code when every submission got a grade but the grader itself failed on some (their checks say so). */
export const EXIT_GRADER_ERRORS = 4;

/** `lab-grader grade`: grade every submission directory with the lab's Jest spec; write results.json and junit.xml. */
export async function gradeCommand(submissionsDir: string, options: GradeOptions): Promise<number> {
  const spec = loadLabSpec(options.lab);
  const { submissions, skipped } = discoverSubmissions(path.resolve(submissionsDir));
  for (const entry of skipped) console.error(`skipped ${sanitizeForTerminal(entry.name)}: ${entry.reason}`);
  if (!submissions.length) console.error(`no submission directories under ${submissionsDir}; writing empty reports`);
  const grades = await runGrading({
    spec,
    submissions,
    skipped,
    outDir: options.out,
    concurrency: options.concurrency,
    buildTimeoutSeconds: options.buildTimeout,
    runTimeoutSeconds: options.runTimeout,
    keepImages: options.keepImages,
    printTable: true,
  });
  console.error(`wrote results.json, junit.xml, grades.csv and summary.md to ${options.out}`);
  const faulty = grades.submissions.filter((s) => s.graderError);
  if (faulty.length) {
    console.error(`the grader failed on ${faulty.length} submission(s): ${faulty.map((s) => sanitizeForTerminal(s.id)).join(", ")} — see their checks`);
    return EXIT_GRADER_ERRORS;
  }
  return ExitCode.ok;
}
