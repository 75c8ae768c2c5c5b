import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SyncTransformer, TransformOptions } from "@jest/transform";

interface SpecTransformerConfig {
  tsconfig: string;
}

/**
 * ts-jest for grading runs, with a cache key made without loading TypeScript. ts-jest's own key comes from a
 * configuration that loads the compiler — a quarter of a second before the first build of every run. The
 * grader's tsconfig sets isolatedModules, so ts-jest transpiles each file alone: its output depends only on the
 * file's text and path, the compiler settings, Jest's options and the versions, which make this key. ts-jest
 * (and TypeScript) load only when a file is not in Jest's cache.
 */
export function createTransformer(config: SpecTransformerConfig): SyncTransformer<SpecTransformerConfig> {
  let tsJest: SyncTransformer | undefined;
  const delegate = (): SyncTransformer =>
    // Loaded on first use only: the point of this transformer is not to load ts-jest for a cached file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (tsJest ??= (require("ts-jest") as { default: { createTransformer(c: unknown): SyncTransformer } }).default.createTransformer(config));
  const settings = [readFileSync(config.tsconfig, "utf8"), versionOf("ts-jest"), versionOf("typescript")].join("\n");
  return {
    canInstrument: false,
    getCacheKey(sourceText: string, sourcePath: string, options: TransformOptions<SpecTransformerConfig>): string {
      return createHash("sha256")
        .update(sourceText)
        .update(`\n${sourcePath}\n${options.configString}\n${options.instrument ? "instrument" : ""}\n`)
        .update(settings)
        .digest("hex");
    },
    process(sourceText: string, sourcePath: string, options: TransformOptions<SpecTransformerConfig>) {
      return delegate().process(sourceText, sourcePath, options as TransformOptions<unknown>);
    },
  };
}

function versionOf(name: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
}

// Jest reads a transformer module's default export.
export default { createTransformer };
