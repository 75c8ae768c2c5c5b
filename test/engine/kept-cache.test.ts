import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cacheRecords, parentsOf, takeBuildCacheMark } from "../../grader/engine/buildkit-cache";
import { connectEngine, type Engine } from "../../grader/engine/client";
import { stateDir } from "../../grader/common/state-dir";
import { keptCacheOf, keptRecords, type KeptCache } from "../../grader/engine/kept-build-cache";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { cacheLeftSince } from "../helpers/kept-cache";

/** An answer no earlier build on this engine has seen: the handout's, with a requirements file of its own. */
function freshAnswer(): string {
  const answer = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-kept-")), "alice");
  cpSync(path.resolve("submissions/alice-venv-app"), answer, { recursive: true });
  appendFileSync(path.join(answer, "requirements.txt"), `# ${process.pid}-${Date.now()}-${Math.random()}\n`);
  return answer;
}

const check = async (answer: string, extra: string[] = []): Promise<GradesDocument> => {
  const out = mkdtempSync(path.join(tmpdir(), "lab-grader-kept-out-"));
  const result = await runCli(["check", answer, "--out", out, ...extra]);
  if (result.code !== 0) throw new Error(`check exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
};

/**
 * What a run leaves of BuildKit's cache on a local engine: its steps' layers, for the next run (a student's
 * second check reuses them), and nothing that only the run could use — no cache mount's files, no build context.
 */
describe("BuildKit's cache, kept between runs", () => {
  let engine: Engine;
  let kept: KeptCache;

  beforeAll(async () => {
    engine = await connectEngine();
    kept = keptCacheOf(engine.docker, await engine.docker.info());
  });

  it("keeps a check's step layers and nothing only its run could use; a second check reuses them, with the same grade", async () => {
    const answer = freshAnswer();
    const mark = await takeBuildCacheMark(engine.docker);
    const first = await check(answer);
    const left = await cacheLeftSince(engine.docker, mark);
    expect({ runOnly: left.runOnly, notKept: left.notKept }).toEqual({ runOnly: [], notKept: [] });
    expect(left.added.length).toBeGreaterThan(0);

    const second = await check(answer);
    const builds = (grades: GradesDocument) => grades.submissions[0].checks.find((c) => c.id === "image-builds")!.message;
    expect(builds(first)).not.toMatch(/pip install|came from the engine's build cache/);
    expect(builds(second)).toMatch(/^built in [\d.]+ s; [3-9] of its steps came from the engine's build cache/);
    const verdicts = (grades: GradesDocument) => grades.submissions[0].checks.map((c) => [c.id, c.passed, c.reason]);
    expect(verdicts(second)).toEqual(verdicts(first));
    expect(second.submissions[0].score).toBe(10);
    expect(second.submissions[0].imageBytes).toBe(first.submissions[0].imageBytes);
    // What the runs shared with their Jest side went with them
    for (const run of [first, second]) expect(existsSync(path.join(stateDir("runs"), run.runId))).toBe(false);
  }, 600_000);

  it("keeps no more than --cache-limit; doctor says what is kept", async () => {
    await check(freshAnswer(), ["--cache-limit", "1"]);
    const records = await keptRecords(kept);
    // The engine refuses to remove a record another stands on: one of the grader's under a build that is not
    // (an earlier test's, a user's) stays, and so does what it stands on
    const all = await cacheRecords(engine.docker);
    const keptIds = new Set(records.map((r) => r.ID));
    const held = new Set<string>();
    for (let grew = true; grew;) {
      grew = false;
      for (const record of all)
        if (!keptIds.has(record.ID) || held.has(record.ID))
          for (const parent of parentsOf(record)) if (keptIds.has(parent) && !held.has(parent)) grew = held.add(parent) !== undefined;
    }
    expect(records.filter((r) => !held.has(r.ID)).reduce((sum, r) => sum + (r.Size ?? 0), 0)).toBeLessThanOrEqual(1024 ** 2);
    const doctor = await runCli(["doctor"]);
    expect(doctor.stdout).toMatch(
      new RegExp(
        `^ok +build cache kept: [\\d.]+ MB in ${records.length} record\\(s\\) \\(at most 2048 MiB: buildCache.keepMb or --cache-limit\\)`,
        "m",
      ),
    );
  }, 600_000);
});
