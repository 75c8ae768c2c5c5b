import { appendFileSync, cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildImage, type BuildResult } from "../../grader/engine/build";
import { pruneBuildCacheAdded, takeBuildCacheMark } from "../../grader/engine/buildkit-cache";
import { connectEngine, type Engine } from "../../grader/engine/client";
import type { GradesDocument } from "../../grader/report/grades";
import { scopeCacheMounts } from "../../grader/dockerfile/cache-mounts";
import { prepareBuildContext } from "../../grader/submission/context";
import { loadLabSpec } from "../../grader/lab/lab-spec";
import { sharedStepsScope } from "../../grader/grading/step-sharing";
import { runCli } from "../helpers/cli";
import { expectPrivateCacheMounts, gradeCacheMountCorpus } from "../helpers/cache-mount-corpus";

const CORPUS = path.resolve("test/fairness/cache-mounts");

/**
 * BuildKit keeps cache mounts by id for every build on the engine, and (on current engines) keeps a cache mount's
 * id out of a step's cache key: a poisoner and its victims, graded in one run (see gradeCacheMountCorpus; the
 * matrix's engines grade the same corpus).
 */
describe("cache mounts, private to each submission", () => {
  let grades: GradesDocument;

  beforeAll(async () => {
    grades = await gradeCacheMountCorpus((args) => runCli(args));
  }, 900_000);

  it("shows the planter nothing the first answer left, and gives the answers around it full marks, with BuildKit", () => {
    expectPrivateCacheMounts(grades);
  });
});

/** The steps BuildKit reports as taken from its cache, by name ("[builder 4/4] RUN …"). */
function cachedSteps(result: BuildResult): string[] {
  const names = new Map<string, string>();
  for (const [, n, name] of result.log.matchAll(/^#(\d+) (\[.*)$/gm)) names.set(n, name);
  return [...result.log.matchAll(/^#(\d+) CACHED$/gm)].map(([, n]) => names.get(n) ?? `#${n}`);
}

/**
 * The same steps in two submissions are built once: BuildKit's cache key leaves out the address that names each
 * build to the disk watch. A step with cache mounts of a submission's own is never reused by another.
 */
describe("BuildKit's layer cache, shared between submissions", () => {
  let engine: Engine;
  const tags: string[] = [];

  beforeAll(async () => {
    engine = await connectEngine();
  });

  afterAll(async () => {
    for (const tag of tags)
      await engine.docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  const build = async (dir: string, cacheScope?: string, stepsScope = cacheScope): Promise<BuildResult> => {
    const context = await prepareBuildContext(dir);
    if (!context.ok) throw new Error(context.message);
    const tag = `lab-grader-test/shared-cache-${tags.length}:${process.pid}`;
    tags.push(tag);
    const editDockerfile = cacheScope ? (text: string) => scopeCacheMounts(text, cacheScope)?.text : undefined;
    const result = await buildImage(engine.docker, {
      builder: "buildkit",
      context: context.tar({ editDockerfile }),
      tags: [tag],
      timeoutMs: 300_000,
      stepsScope,
    });
    if (!result.ok) throw new Error(`did not build: ${result.error}\n${result.log}`);
    return result;
  };

  it("builds a step two submissions share once", async () => {
    const mark = await takeBuildCacheMark(engine.docker);
    try {
      // A requirements file of its own (a comment pip skips), so that no earlier build on this engine left the step
      const answer = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-shared-")), "alice");
      cpSync(path.resolve("submissions/alice-venv-app"), answer, { recursive: true });
      appendFileSync(path.join(answer, "requirements.txt"), `# ${process.pid}-${Date.now()}\n`);
      const first = await build(answer);
      const second = await build(answer);
      const pipStep = /^\[builder \d\/\d\] RUN python -m venv venv/;
      expect(cachedSteps(first).filter((name) => pipStep.test(name))).toEqual([]);
      expect(cachedSteps(second).filter((name) => pipStep.test(name))).toHaveLength(1);
    } finally {
      await pruneBuildCacheAdded(engine.docker, mark);
    }
  }, 600_000);

  it("does not reuse a step built under other build limits (another lab's, another build timeout)", async () => {
    const mark = await takeBuildCacheMark(engine.docker);
    try {
      const answer = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-shared-")), "alice");
      cpSync(path.resolve("submissions/alice-venv-app"), answer, { recursive: true });
      appendFileSync(path.join(answer, "requirements.txt"), `# ${process.pid}-${Date.now()}\n`);
      const lab = loadLabSpec("specs/lab42.yaml");
      const generous = sharedStepsScope(lab, 300);
      const tighter = sharedStepsScope({ ...lab, sandbox: { ...lab.sandbox, buildMemoryMb: 256 } }, 300);
      expect(new Set([generous, tighter, sharedStepsScope(lab, 60)]).size).toBe(3);
      await build(answer, undefined, generous);
      const pipStep = /^\[builder \d\/\d\] RUN python -m venv venv/;
      expect(cachedSteps(await build(answer, undefined, tighter)).filter((name) => pipStep.test(name))).toEqual([]);
      expect(cachedSteps(await build(answer, undefined, generous)).filter((name) => pipStep.test(name))).toHaveLength(1);
    } finally {
      await pruneBuildCacheAdded(engine.docker, mark);
    }
  }, 600_000);

  it("never shares a step that uses a submission's own cache mounts", async () => {
    const mark = await takeBuildCacheMark(engine.docker);
    try {
      const victim = path.join(CORPUS, "checks-its-cache-mounts");
      const pipStep = /^\[builder \d\/\d\] RUN --mount=type=cache/;
      await build(victim, `scope-a-${process.pid}`);
      const again = await build(victim, `scope-b-${process.pid}`);
      const same = await build(victim, `scope-a-${process.pid}`);
      expect(cachedSteps(again).filter((name) => pipStep.test(name))).toEqual([]);
      expect(cachedSteps(same).filter((name) => pipStep.test(name))).toHaveLength(1);
    } finally {
      await pruneBuildCacheAdded(engine.docker, mark);
    }
  }, 600_000);
});
