import path from "node:path";
import { afterAll, describe, test } from "@jest/globals";
import {
  ENGINE_CANNOT_REASON,
  GRADER_ERROR_REASON,
  graderErrorOutcome,
  NOT_BUILT,
  type Check,
  type CheckContext,
  type CheckOutcome,
  type CheckResult,
  type FactNeeds,
} from "../checks/check";
import { buildNotGraded } from "../checks/image-builds";
import { combinedNeeds, labChecks as declaredChecks } from "../checks";
import { hintFor, unknownHintReasons } from "../checks/hints";
import { phaseSlots, type PhaseSlots } from "../grading/gather-facts";
import { connectEngine, type Engine } from "../engine/client";
import { gatherSubmissionFacts, notBuilt } from "../grading/gather-facts";
import { submissionLabels } from "../engine/labels";
import type { BuildFacts, SubmissionFacts } from "../grading/submission-facts";
import type { LabSpec } from "../lab/lab-spec";
import type { Submission } from "../submission/discover";
import { submissionGrade } from "../report/grades";
import { Progress } from "../report/progress";
import { ResultCache } from "../grading/result-cache";
import { stripAnsi } from "../report/sanitize";
import { RunImages } from "../grading/run-images";
import { DiskFloor, DiskFloorError } from "../grading/disk-floor";
import { dirtiedBytes } from "../engine/page-cache";
import { freeBytes } from "../engine/engine-storage";
import { trimKeptCache } from "../engine/kept-build-cache";
import { CheckRecords } from "./check-records";
import { readRunConfig, type GradingRunConfig } from "./run-config";

/** A check written as a Jest test: throw (for example a failing expect) to fail it; the message is the feedback. */
export type CheckBody = (facts: SubmissionFacts, context: CheckContext) => void | Promise<void>;

interface CurrentSubmission {
  index: number;
  submission: Submission;
  facts: () => Promise<SubmissionFacts>;
  /** What the checks declared so far need gathered (facts are gathered once every check is declared). */
  needs: FactNeeds[];
  progress: SubmissionProgress;
}

/** Counts a submission's decided checks so one line can be printed when the last one is. */
interface SubmissionProgress {
  declared: number;
  decided: CheckResult[];
}

let run:
  | {
      config: GradingRunConfig;
      context: CheckContext;
      records: CheckRecords;
      slots: PhaseSlots;
      progress: Progress;
      cache: ResultCache;
      floor: DiskFloor;
    }
  | undefined;
let current: CurrentSubmission | undefined;
let connected: Promise<{ engine: Engine; images: RunImages }> | undefined;
const connect = (): Promise<{ engine: Engine; images: RunImages }> =>
  (connected ??= connectEngine().then((engine) => ({ engine, images: new RunImages(engine.docker) })));

/**
 * Declares the grading tests: one `describe` per submission (named by its id), inside which `body` declares
 * checks with `check(...)`. Facts are gathered once per submission, at most `--concurrency` at a time.
 */
export function gradeSubmissions(body: (submission: Submission) => void): void {
  const config = readRunConfig();
  const spec = config.spec;
  run = {
    config,
    context: { spec, reference: config.reference },
    records: new CheckRecords(config.recordsDir),
    slots: phaseSlots(config.concurrency),
    progress: new Progress(config.submissions.length),
    cache: new ResultCache(config.outDir),
    floor: new DiskFloor({
      measure: config.engineDisk && (() => freeBytes(config.engineDisk!)),
      dirtied: dirtiedBytes,
      floorBytes: spec.sandbox.diskFloorMb * 1024 ** 2,
      budgetBytes: spec.sandbox.diskBudgetMb * 1024 ** 2,
      makeRoom: config.engineDisk && config.keptCacheId ? keptCacheRoom(config.engineDisk, config.keptCacheId) : undefined,
    }),
  };
  config.submissions.forEach((submission, index) => {
    let memo: Promise<SubmissionFacts> | undefined;
    const needs: FactNeeds[] = [];
    const facts = (): Promise<SubmissionFacts> => (memo ??= gradeFacts(index, submission, needs));
    describe(submission.id, () => {
      current = { index, submission, facts, needs, progress: { declared: 0, decided: [] } };
      try {
        body(submission);
      } finally {
        current = undefined;
      }
    });
    // Jest runs describe blocks one after another; starting every submission now (the slots bound how many
    // work at once) is what makes the grading concurrent. gradeFacts never rejects.
    void facts();
  });
  afterAll(async () => {
    if (config.engineDisk) run!.records.writeDiskGuard(run!.floor.figures);
    // Images a child image still stood on when their submission was released go once every build is over.
    // No engine, no images: each submission's checks already say why.
    const images = await connected?.then((c) => c.images).catch(() => undefined);
    await images?.removeFree();
  });
}

/** The lab's checks of built-in kinds, as its YAML declares them (for a spec file of its own). */
export function labChecks(): Check[] {
  if (!run) throw new Error("labChecks() must be called inside gradeSubmissions(…)");
  return declaredChecks(run.context.spec);
}

/**
 * An instructor's own check, written as a Jest test: its id — declared in the lab's YAML with `kind: custom`,
 * where its points and hints are — and the facts it needs besides the build and the image.
 */
export interface CustomCheck {
  id: string;
  needs?: FactNeeds;
}

/**
 * Adds one graded check for the submission being declared: a check of the lab's YAML (see labChecks), or an
 * instructor's own with a Jest test body.
 */
export function check(definition: Check | CustomCheck, body?: CheckBody): void {
  if (!run || !current) throw new Error("check() must be called inside gradeSubmissions(…)");
  const { context, records } = run;
  const { index, facts, submission, progress } = current;
  progress.declared++;
  const builtIn = "evaluate" in definition ? definition : undefined;
  const id = definition.id;
  // The YAML is the one place a check's points are (the reporter reads them there too, by the test's title: the id).
  const maxPoints = context.spec.points[id];
  if (maxPoints === undefined) throw new Error(`check ${id}: declare it in the lab's YAML (checks: [{id: ${id}, kind: custom, points: …}])`);
  current.needs.push(definition.needs ?? {});
  if (builtIn) warnOfUnknownHintReasons(context.spec, builtIn);
  test.concurrent(id, async () => {
    let outcome: CheckOutcome;
    try {
      const gathered = await facts();
      if (gathered.graderError) outcome = graderErrorOutcome(gathered.graderError);
      else if (builtIn) outcome = inheritNotGraded(builtIn.evaluate(gathered, context), gathered.build);
      else {
        await body!(gathered, context);
        outcome = { passed: true, message: "" };
      }
    } catch (error) {
      // Throwing is how an instructor's check fails; a built-in kind that throws is the grader's fault.
      const message = stripAnsi((error as Error).message ?? String(error));
      outcome = builtIn ? graderErrorOutcome(message) : { passed: false, message };
    }
    const result: CheckResult = { id, passed: outcome.passed, points: outcome.passed ? maxPoints : 0, maxPoints, message: outcome.message };
    if (outcome.notGraded) result.notGraded = outcome.notGraded;
    if (outcome.line) result.line = outcome.line;
    if (outcome.reason) result.reason = outcome.reason;
    if (builtIn?.kind) result.kind = builtIn.kind;
    const hint = hintFor(context.spec, id, builtIn, outcome);
    if (hint) result.hint = hint;
    records.writeCheck(index, result);
    progress.decided.push(result);
    if (progress.decided.length === progress.declared) reportFinished(index, submission, progress.decided);
    if (!outcome.passed) throw new Error(outcome.message);
  });
}

/** A check not run for want of an image that the engine or the grader could not build is not graded either. */
function inheritNotGraded(outcome: CheckOutcome, build: BuildFacts): CheckOutcome {
  const notGraded = outcome.reason === NOT_BUILT.reason ? buildNotGraded(build) : undefined;
  if (!notGraded) return outcome;
  return {
    passed: false,
    reason: notGraded.cause === "engine" ? ENGINE_CANNOT_REASON : GRADER_ERROR_REASON,
    message: "not graded: the image could not be built here (see image-builds)",
    notGraded,
  };
}

/** Frees what earlier runs kept of BuildKit's cache on this engine, as far as `neededBytes` of free space. */
function keptCacheRoom(engineDisk: string[], engineId: string): (neededBytes: number) => Promise<boolean> {
  return async (neededBytes) => {
    const { engine } = await connect();
    const trimmed = await trimKeptCache({ docker: engine.docker, engineId }, Infinity, () => freeBytes(engineDisk) >= neededBytes);
    if (trimmed.removed)
      process.stderr.write(`made room on the engine's disk: removed ${trimmed.removed} build cache record(s) kept from earlier runs\n`);
    return trimmed.removed > 0;
  };
}

const warnedOfHints = new Set<string>();

/** A lab hint for a reason its check never fails with is a typo; said once per check, on stderr. */
function warnOfUnknownHintReasons(spec: LabSpec, check: Check): void {
  if (warnedOfHints.has(check.id)) return;
  warnedOfHints.add(check.id);
  for (const reason of unknownHintReasons(spec, check)) {
    process.stderr.write(
      `warning: ${spec.file}: hints.${check.id}.${reason} names no reason ${check.id} fails for (it has: ${Object.keys(check.reasons).join(", ")})\n`,
    );
  }
}

/**
 * A submission's last check is decided: keep its grade (for --resume) and show progress. A grader error is not
 * a grade: --resume grades that submission again.
 */
function reportFinished(index: number, submission: Submission, results: CheckResult[]): void {
  const grade = submissionGrade(submission.id, results, run!.records.readSummary(index));
  // Nor is a check not graded: --resume (on an engine that can) grades it again
  if (submission.key && !grade.graderError && !grade.notGraded) run!.cache.write(submission.key, grade);
  run!.progress.finished(submission.id, grade.score, grade.maxScore);
}

/**
 * Where reports point at the submission's Dockerfile: relative to the working directory, as CI tools resolve
 * paths (`Dockerfile` for a student's repository, `submissions/alice/Dockerfile` for a class); undefined for a
 * folder elsewhere (an unpacked archive), which no report could open.
 */
export function dockerfileLocation(dir: string): string | undefined {
  const relative = path.relative(process.cwd(), path.join(dir, "Dockerfile"));
  return relative.startsWith("..") || path.isAbsolute(relative) ? undefined : relative.split(path.sep).join("/");
}

async function gradeFacts(index: number, submission: Submission, needs: FactNeeds[]): Promise<SubmissionFacts> {
  const { config, context, records, slots } = run!;
  const started = Date.now();
  let facts: SubmissionFacts;
  try {
    const { engine, images } = await connect();
    facts = await gatherSubmissionFacts(engine, context.spec, submission, combinedNeeds(needs), {
      runId: config.runId,
      buildTimeoutSeconds: config.buildTimeoutSeconds,
      probeTimeoutSeconds: config.probeTimeoutSeconds,
      keepImages: config.keepImages,
      network: config.network,
      labels: submissionLabels(config.runId, submission.id),
      slots,
      watchdogExtraMs: context.spec.sandbox.watchdogSeconds * 1000,
      images,
      builders: config.builders,
      floor: run!.floor,
      containerQuota: config.containerQuota,
    });
  } catch (error) {
    facts = {
      id: submission.id,
      dockerfile: { read: { ok: false, problem: "unreadable", message: "not read" } },
      build: notBuilt("grader", "the grader failed before building"),
      graderError: (error as Error).message ?? String(error),
      ...(error instanceof DiskFloorError ? { graderErrorKind: "disk-floor" as const } : {}),
      timingsMs: {},
    };
  }
  // From start to end, queueing for a slot included; the phases' own times are build, run and inspect.
  facts.timingsMs.total = Date.now() - started;
  records.writeSummary(index, {
    imageBytes: facts.image?.bytes,
    architecture: facts.image?.architecture,
    os: facts.image?.os,
    builder: facts.build.builder,
    dockerfile: dockerfileLocation(submission.dir),
    graderError: facts.graderError,
    graderErrorKind: facts.graderErrorKind,
    timingsMs: facts.timingsMs,
  });
  return facts;
}
