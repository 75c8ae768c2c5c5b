import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BuildResult } from "../../grader/engine/build";
import { connectEngine, type Engine } from "../../grader/engine/client";
import { baseImageIds, RunImages, submissionImages } from "../../grader/grading/run-images";
import { analyzeDockerfile } from "../../grader/dockerfile/analyze";
import { buildTestImage } from "../helpers/test-image";

/** The reference solution with a layer no other build has, so its images are this test's alone. */
const buildUnique = (engine: Engine, tag: string): Promise<BuildResult> =>
  buildTestImage(
    engine,
    tag,
    { Dockerfile: (text) => text.replace("WORKDIR /app\n", `WORKDIR /app\nRUN echo ${randomUUID()} > /unique\n`) },
    { from: path.resolve("reference/solution") },
  );

/** The images no other build on the engine can share: from the unique RUN on, WORKDIR steps (base + WORKDIR) aside. */
function ownImages(built: BuildResult): string[] {
  const unique = built.steps.findIndex((s) => s.instruction.startsWith("RUN echo "));
  return built.steps
    .slice(unique)
    .filter((s) => !/^(FROM|WORKDIR)\s/.test(s.instruction) && s.imageId)
    .map((s) => s.imageId!);
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
  /** The reference solution's base image, as the engine has it: every build here starts FROM it. */
  let bases: string[];
  /** A base image none of these builds start FROM. */
  let otherBases: string[];
  beforeAll(async () => {
    engine = await connectEngine();
    bases = await baseImageIds(engine.docker, analyzeDockerfile(readFileSync(path.resolve("reference/solution/Dockerfile"), "utf8")));
    otherBases = await baseImageIds(engine.docker, analyzeDockerfile("FROM python:3.11-slim\n"));
    expect(bases).toHaveLength(1);
    expect(otherBases).toHaveLength(1);
    expect(otherBases).not.toEqual(bases);
  });

  /** A unique build whose images a finished build of `runImages` holds, as a graded submission's are. */
  async function heldBuild(suffix: string) {
    const tag = `lab-grader-test/run-images:${process.pid}-${suffix}`;
    const built = await buildUnique(engine, tag);
    const images = submissionImages(tag, built.steps, bases);
    const runImages = new RunImages(engine.docker);
    const own = await runImages.startBuild(bases);
    for (const id of images.chain) own.used(id);
    await own.done();
    return { tag, built, images, runImages };
  }

  const expectGone = async (ids: string[]): Promise<void> => {
    for (const id of ids) expect({ id, exists: await exists(engine, id) }).toEqual({ id, exists: false });
  };

  it("removes a multi-stage submission's final image and every image of its stages, which carry no tag", async () => {
    const { tag, built, images, runImages } = await heldBuild("a");
    expect(images.chain.length).toBeGreaterThan(4);
    for (const id of images.chain) expect(await exists(engine, id)).toBe(true);

    await runImages.release(images);
    expect(await exists(engine, tag)).toBe(false);
    await expectGone(ownImages(built));
    // The base image the stages start FROM is never touched.
    expect(await exists(engine, "python:3.9-slim-buster")).toBe(true);
  }, 300_000);

  it("keeps an image while another submission's build holds it, and removes it and what it stood on once that one is released", async () => {
    const { tag, built, images, runImages } = await heldBuild("b");
    const shared = ownImages(built)[1];
    const other = await runImages.startBuild(bases);
    other.used(shared);
    await other.done();

    await runImages.release(images);
    expect(await exists(engine, tag)).toBe(false);
    expect(await exists(engine, images.chain[images.chain.length - 1])).toBe(false);
    expect(await exists(engine, shared)).toBe(true);

    await runImages.release({ tag: `${tag}-other`, chain: [shared], bases });
    await runImages.removeFree();
    await expectGone(ownImages(built));
  }, 300_000);

  it("waits while a build in flight starts from the same base image (it may reuse any step of the chain), then removes", async () => {
    const { tag, built, images, runImages } = await heldBuild("c");
    const sameBase = await runImages.startBuild(bases);
    const otherBase = await runImages.startBuild(otherBases);

    await runImages.release(images);
    const last = images.chain[images.chain.length - 1];
    expect(await exists(engine, tag)).toBe(true);
    expect(await exists(engine, last)).toBe(true);

    await otherBase.done();
    expect(await exists(engine, last)).toBe(true);
    await sameBase.done();
    expect(await exists(engine, tag)).toBe(false);
    await expectGone(ownImages(built));
  }, 300_000);

  it("removes while only builds from other base images are in flight", async () => {
    const { tag, built, images, runImages } = await heldBuild("d");
    const otherBase = await runImages.startBuild(otherBases);
    await runImages.release(images);
    expect(await exists(engine, tag)).toBe(false);
    await expectGone(ownImages(built));
    await otherBase.done();
  }, 300_000);
});

describe("submissionImages", () => {
  it("takes every committed step but FROM, once each", () => {
    const step = (instruction: string, imageId?: string) => ({ instruction, line: `Step : ${instruction}`, imageId });
    const images = submissionImages(
      "t",
      [
        step("FROM python:3.9-slim-buster AS builder", "base00000000"),
        step("WORKDIR /app", "aaaaaaaaaaaa"),
        step("RUN python -m venv /app/venv", "bbbbbbbbbbbb"),
        step("FROM python:3.9-slim-buster", "base00000000"),
        step("WORKDIR /app", "dddddddddddd"),
        step("COPY --from=builder /app/venv /app/venv", "cccccccccccc"),
        step('CMD ["python", "app.py"]'),
      ],
      ["sha256:base"],
    );
    expect(images.chain).toEqual(["aaaaaaaaaaaa", "bbbbbbbbbbbb", "dddddddddddd", "cccccccccccc"]);
  });
});
