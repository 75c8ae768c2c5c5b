import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-fs";
import { BuildkitProgress, decodeStatus } from "../../grader/engine/buildkit-status";
import { connectEngine } from "../../grader/engine/client";
import { readJsonLines } from "../../grader/engine/json-lines";

/**
 * Builds `dockerfile` with the engine's BuildKit (`version=2`) and decodes its status stream. A label unique to
 * the call keeps BuildKit's cache from answering for an earlier run; the image made is removed.
 */
async function buildWithBuildkit(dockerfile: string): Promise<{ text: string[]; progress: BuildkitProgress; error?: string }> {
  const engine = await connectEngine();
  const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-buildkit-"));
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile.replace(/^(FROM .*)$/m, `$1\nARG NONCE=${randomUUID()}`));
  const tag = `lab-grader-test/buildkit-status:${process.pid}`;
  const stream = (await engine.docker.buildImage(
    tar.pack(dir) as unknown as NodeJS.ReadableStream,
    { version: "2", networkmode: "none", t: tag } as object,
  )) as unknown as Readable;
  const progress = new BuildkitProgress();
  const text: string[] = [];
  let error: string | undefined;
  for await (const message of readJsonLines(stream)) {
    const m = message as { id?: string; aux?: unknown; error?: string };
    if (m.id === "moby.buildkit.trace" && typeof m.aux === "string") text.push(...progress.apply(decodeStatus(m.aux)));
    if (m.error) error = m.error;
  }
  await engine.docker
    .getImage(tag)
    .remove()
    .catch(() => undefined);
  return { text, progress, error };
}

describe("BuildKit's status stream from the engine", () => {
  it("reads as plain text: the failing step, its output and its error", async () => {
    const { text, progress, error } = await buildWithBuildkit("FROM python:3.9-slim\nRUN echo 'first line' && echo 'second line' >&2 && exit 3\n");
    expect(error).toMatch(/exit code: 3/);
    const step = text.find((line) => /^#\d+ \[2\/2\] RUN echo 'first line'/.test(line));
    expect(step).toBeDefined();
    const number = step!.split(" ")[0];
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`^${number} [\\d.]+ first line$`)));
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`^${number} [\\d.]+ second line$`)));
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`^${number} ERROR: .*exit code: 3`)));
    const failed = progress.failedStep();
    expect(failed).toEqual({
      name: expect.stringMatching(/^\[2\/2\] RUN echo 'first line'/),
      error: expect.stringMatching(/exit code: 3/),
      lastLines: expect.any(Array),
    });
    // stdout and stderr reach BuildKit on separate streams: their order is not kept.
    expect([...failed!.lastLines].sort()).toEqual(["first line", "second line"]);
  }, 120_000);

  it("marks a successful step DONE", async () => {
    const { text, progress, error } = await buildWithBuildkit("FROM python:3.9-slim\nRUN python -c 'print(6 * 7)'\n");
    expect(error).toBeUndefined();
    const step = text.find((line) => /^#\d+ \[2\/2\] RUN python/.test(line))!.split(" ")[0];
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`^${step} [\\d.]+ 42$`)));
    expect(text).toContainEqual(expect.stringMatching(new RegExp(`^${step} DONE \\d+\\.\\ds$`)));
    expect(progress.failedStep()).toBeUndefined();
  }, 120_000);
});
