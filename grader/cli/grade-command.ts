import path from "node:path";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { submissionKey, ResultCache } from "../grading/result-cache";
import { jestSpecFile, runGrading } from "../grading/run-grading";
import { inShard, type Shard } from "../grading/shard";
import type { BuilderRequest } from "../grading/choose-builder";
import { loadLabSpec, type LabSpec } from "../lab/lab-spec";
import type { SubmissionGrade } from "../report/grades";
import { sanitizeForTerminal } from "../report/sanitize";
import { mkdtempSync, rmSync } from "node:fs";
import { stateDir } from "../common/state-dir";
import { unpackArchiveSubmissions } from "../submission/archive";
import { compareIds, discoverSubmissions, type SkippedEntry, type Submission } from "../submission/discover";
import type { GradebookRequest } from "../gradebook/write-gradebooks";
import { gradebookRequest, writeAndListGradebooks, type GradebookFlags } from "./gradebook-flags";
import { notGradedForDisk, notGradedByTheEngine } from "./not-graded-exit";

export interface GradeOptions extends GradebookFlags {
  lab: string;
  out: string;
  concurrency?: number;
  buildTimeout?: number;
  probeTimeout?: number;
  keepImages: boolean;
  resume: boolean;
  only?: string;
  shard?: Shard;
  builder: BuilderRequest;
  cacheLimit?: number;
  requireBuildLimits?: boolean;
}

/** Exit code when every submission got a grade but the grader itself failed on some (their checks say so). */
export const EXIT_GRADER_ERRORS = 4;

/**
 * Which submissions this run grades and which earlier grades it reuses. --resume reuses a cached grade made
 * from exactly the same input; --only grades one submission and reports the others' latest grades.
 */
function planRun(
  spec: LabSpec,
  submissions: Submission[],
  options: GradeOptions,
): { toGrade: Submission[]; reused: SubmissionGrade[]; skipped: SkippedEntry[] } {
  const labFiles = [spec.file, jestSpecFile(spec)];
  const keyed = submissions.map((s) => ({ ...s, key: submissionKey(s.dir, labFiles, options.builder) }));
  const cache = new ResultCache(options.out);
  if (options.only !== undefined) {
    const target = keyed.find((s) => s.id === options.only);
    if (!target) throw new UserFacingError(`--only ${options.only}: no submission directory with that name`, ExitCode.usage);
    const others = keyed.filter((s) => s !== target).map((s) => ({ s, grade: cache.read(s.id) }));
    return {
      toGrade: [target],
      reused: others.flatMap(({ grade }) => (grade ? [grade] : [])),
      skipped: others
        .filter(({ grade }) => !grade)
        .map(({ s }) => ({ name: s.id, reason: "no earlier result to reuse (--only grades just one submission)" })),
    };
  }
  if (!options.resume) return { toGrade: keyed, reused: [], skipped: [] };
  const reused: SubmissionGrade[] = [];
  const toGrade = keyed.filter((s) => {
    const grade = cache.read(s.id, s.key);
    if (grade) reused.push(grade);
    return !grade;
  });
  return { toGrade, reused, skipped: [] };
}

/** `lab-grader grade`: grade every submission directory with the lab's Jest spec; write results.json and junit.xml. */
export async function gradeCommand(submissionsDir: string, options: GradeOptions): Promise<number> {
  const spec = loadLabSpec(options.lab);
  if (options.shard && (options.gradebook || options.roster !== undefined)) {
    throw new UserFacingError(
      "--gradebook with --shard: a shard grades part of the class, so its gradebook would have everyone else without a submission; " +
        "write the gradebooks when merging: lab-grader merge --gradebook … --roster … --out DIR DIR…",
      ExitCode.usage,
    );
  }
  const gradebooks = gradebookRequest(options);
  const discovered = discoverSubmissions(path.resolve(submissionsDir));
  const { skipped } = discovered;
  const shard = options.shard;
  const mine = <T extends { id: string }>(items: T[]): T[] => (shard ? items.filter((s) => inShard(s.id, shard)) : items);
  const unpackDir = mkdtempSync(path.join(stateDir("unpacked"), "run-"));
  try {
    const archives = mine(discovered.archives);
    if (archives.length) console.error(`unpacking ${archives.length} archive(s)…`);
    const submissions = [...mine(discovered.submissions), ...(await unpackArchiveSubmissions(archives, unpackDir))].sort((a, b) =>
      compareIds(a.id, b.id),
    );
    const total = discovered.submissions.length + discovered.archives.length;
    if (shard) console.error(`shard ${shard.index}/${shard.count}: ${submissions.length} of ${total} submission(s)`);
    return await gradeSubmissions(spec, submissions, skipped, options, submissionsDir, gradebooks);
  } finally {
    rmSync(unpackDir, { recursive: true, force: true });
  }
}

async function gradeSubmissions(
  spec: LabSpec,
  submissions: Submission[],
  skipped: SkippedEntry[],
  options: GradeOptions,
  submissionsDir: string,
  gradebooks: GradebookRequest | undefined,
): Promise<number> {
  for (const entry of skipped) console.error(`skipped ${sanitizeForTerminal(entry.name)}: ${entry.reason}`);
  if (!submissions.length) console.error(`no submissions (directories or .zip archives) under ${submissionsDir}; writing empty reports`);
  const plan = planRun(spec, submissions, options);
  for (const entry of plan.skipped) console.error(`not graded ${sanitizeForTerminal(entry.name)}: ${entry.reason}`);
  if (plan.reused.length) console.error(`reusing ${plan.reused.length} earlier result(s) from ${path.join(options.out, "cache")}`);
  const grades = await runGrading({
    spec,
    submissions: plan.toGrade,
    reused: plan.reused,
    skipped: [...skipped, ...plan.skipped],
    outDir: options.out,
    concurrency: options.concurrency,
    buildTimeoutSeconds: options.buildTimeout,
    probeTimeoutSeconds: options.probeTimeout,
    keepImages: options.keepImages,
    builder: options.builder,
    cacheLimitMb: options.cacheLimit,
    requireBuildLimits: options.requireBuildLimits,
    printTable: true,
    csvBom: options.csvBom,
  });
  console.error(`wrote results.json, junit.xml, grades.csv, summary.md and report.html to ${options.out}`);
  if (gradebooks) writeAndListGradebooks(options.out, grades, gradebooks);
  const stopped = notGradedForDisk(grades.submissions);
  if (stopped) return stopped;
  const faulty = grades.submissions.filter((s) => s.graderError);
  if (faulty.length) {
    console.error(
      `the grader failed on ${faulty.length} submission(s): ${faulty.map((s) => sanitizeForTerminal(s.id)).join(", ")} — see their checks`,
    );
    return EXIT_GRADER_ERRORS;
  }
  return notGradedByTheEngine(grades.submissions) ?? ExitCode.ok;
}
