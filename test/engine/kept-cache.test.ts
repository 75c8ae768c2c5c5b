import { appendFileSync, cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { addedRecords, cacheRecords, takeBuildCacheMark } from "../../grader/engine/buildkit-cache";
import { connectEngine, type Engine } from "../../grader/engine/client";
import { keptCacheOf, keptRecords, runOnly, type KeptCache } from "../../grader/engine/kept-build-cache";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";

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
    const added = addedRecords(await cacheRecords(engine.docker), mark);
    expect(added.filter(runOnly).map((r) => `${r.Type}: ${r.Description}`)).toEqual([]);
    expect(added.length).toBeGreaterThan(0);
    const keptIds = new Set((await keptRecords(kept)).map((r) => r.ID));
    expect(added.filter((r) => !keptIds.has(r.ID)).map((r) => r.Description)).toEqual([]);

    const second = await check(answer);
    const builds = (grades: GradesDocument) => grades.submissions[0].checks.find((c) => c.id === "image-builds")!.message;
    expect(builds(first)).not.toMatch(/pip install|came from the engine's build cache/);
    expect(builds(second)).toMatch(/^built in [\d.]+ s; [3-9] of its steps came from the engine's build cache/);
    const verdicts = (grades: GradesDocument) => grades.submissions[0].checks.map((c) => [c.id, c.passed, c.reason]);
    expect(verdicts(second)).toEqual(verdicts(first));
    expect(second.submissions[0].score).toBe(10);
    expect(second.submissions[0].imageBytes).toBe(first.submissions[0].imageBytes);
  }, 600_000);

  it("keeps no more than --cache-limit; doctor says what is kept", async () => {
    await check(freshAnswer(), ["--cache-limit", "1"]);
    const records = await keptRecords(kept);
    expect(records.reduce((sum, r) => sum + (r.Size ?? 0), 0)).toBeLessThanOrEqual(1024 ** 2);
    const doctor = await runCli(["doctor"]);
    expect(doctor.stdout).toMatch(
      new RegExp(
        `^ok +build cache kept: [\\d.]+ MB in ${records.length} record\\(s\\) \\(at most 2048 MiB: buildCache.keepMb or --cache-limit\\)`,
        "m",
      ),
    );
  }, 600_000);
});
