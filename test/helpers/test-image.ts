import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildImage, type BuildResult } from "../../grader/engine/build";
import { connectEngine, type Engine } from "../../grader/engine/client";
import { prepareBuildContext } from "../../grader/submission/context";

/**
 * Builds an image for a test, from `files` (name → text; a function edits what `from`, a folder copied first, has
 * there), and throws with the build's log when it fails. The build folder is removed afterwards.
 */
export async function buildTestImage(
  engine: Engine,
  tag: string,
  files: Record<string, string | ((text: string) => string)>,
  options: { from?: string; timeoutMs?: number } = {},
): Promise<BuildResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-test-image-"));
  try {
    if (options.from) cpSync(options.from, dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, name);
      writeFileSync(file, typeof content === "string" ? content : content(readFileSync(file, "utf8")));
    }
    const context = await prepareBuildContext(dir);
    if (!context.ok) throw new Error(context.message);
    const built = await buildImage(engine.docker, { context: context.tar(), tags: [tag], timeoutMs: options.timeoutMs ?? 300_000 });
    if (!built.ok) throw new Error(`test image ${tag} did not build: ${built.error}\n${built.log}`);
    return built;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the image before the file's tests (see buildTestImage) and removes it after them; returns the engine. */
export function useTestImage(tag: string, files: Record<string, string>): () => Engine {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await connectEngine();
    await buildTestImage(engine, tag, files);
  }, 300_000);
  afterAll(async () => {
    await engine?.docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  });
  return () => engine!;
}
