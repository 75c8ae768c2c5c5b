import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildImage, type BuildResult } from "../../grader/engine/build";
import { connectEngine, type Engine } from "../../grader/engine/client";
import { RunImages, submissionImages } from "../../grader/grading/run-images";
import { prepareBuildContext } from "../../grader/submission/context";

/** The reference solution with a layer no other build has, so its images are this test's alone. */
async function buildUnique(engine: Engine, tag: string): Promise<BuildResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-images-"));
  try {
    cpSync(path.resolve("reference/solution"), dir, { recursive: true });
    const dockerfile = readFileSync(path.join(dir, "Dockerfile"), "utf8");
    writeFileSync(path.join(dir, "Dockerfile"), dockerfile.replace("WORKDIR /app\n", `WORKDIR /app\nRUN echo ${randomUUID()} > /unique\n`));
    const context = await prepareBuildContext(dir);
    if (!context.ok) throw new Error(context.message);
    const built = await buildImage(engine.docker, { context: context.tar(), tags: [tag], timeoutMs: 300_000 });
    if (!built.ok) throw new Error(`did not build: ${built.error}\n${built.log}`);
    return built;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const exists = (engine: Engine, id: string): Promise<boolean> =>
  engine.docker
    .getImage(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );

describe("RunImages", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await connectEngine();
  });

  it("removes a multi-stage submission's final image and its builder stage's images, which carry no tag", async () => {
    const tag = `lab-grader-test/run-images:${process.pid}-a`;
    const built = await buildUnique(engine, tag);
    const images = submissionImages(tag, built.steps);
    expect(images.leaves).toHaveLength(2);
    const [builderLeaf, finalLeaf] = images.leaves;
    expect(await exists(engine, builderLeaf)).toBe(true);

    await new RunImages(engine.docker).release(images);
    expect(await exists(engine, tag)).toBe(false);
    expect(await exists(engine, finalLeaf)).toBe(false);
    expect(await exists(engine, builderLeaf)).toBe(false);
    // The base image the stages start FROM is never touched.
    expect(await exists(engine, "python:3.9-slim-buster")).toBe(true);
  }, 300_000);

  it("keeps the images while another build in flight has used one of them, and removes them once it is over", async () => {
    const tag = `lab-grader-test/run-images:${process.pid}-b`;
    const built = await buildUnique(engine, tag);
    const images = submissionImages(tag, built.steps);
    const runImages = new RunImages(engine.docker);
    const other = runImages.startBuild();
    other.used(images.chain[1]);

    await runImages.release(images);
    expect(runImages.deferredCount).toBe(1);
    expect(await exists(engine, images.leaves[0])).toBe(true);
    expect(await exists(engine, tag)).toBe(true);

    other.done();
    await runImages.releaseDeferred();
    expect(runImages.deferredCount).toBe(0);
    expect(await exists(engine, tag)).toBe(false);
    expect(await exists(engine, images.leaves[0])).toBe(false);
  }, 300_000);
});

describe("submissionImages", () => {
  it("takes every committed step but FROM, and the last image of each stage", () => {
    const step = (instruction: string, imageId?: string) => ({ instruction, line: `Step : ${instruction}`, imageId });
    const images = submissionImages("t", [
      step("FROM python:3.9-slim-buster AS builder", "base00000000"),
      step("WORKDIR /app", "aaaaaaaaaaaa"),
      step("RUN python -m venv /app/venv", "bbbbbbbbbbbb"),
      step("FROM python:3.9-slim-buster", "base00000000"),
      step("COPY --from=builder /app/venv /app/venv", "cccccccccccc"),
      step("CMD [\"python\", \"app.py\"]"),
    ]);
    expect(images.chain).toEqual(["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"]);
    expect(images.leaves).toEqual(["bbbbbbbbbbbb", "cccccccccccc"]);
  });
});
