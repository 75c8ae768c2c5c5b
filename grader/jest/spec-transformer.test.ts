import path from "node:path";
import type { TransformOptions } from "@jest/transform";
import { createTransformer } from "./spec-transformer";

const config = { tsconfig: path.resolve("tsconfig.json") };
/** What Jest hands a transformer; ts-jest reads the project's configuration from it. */
const options = (configString: string) =>
  ({
    configString,
    instrument: false,
    transformerConfig: config,
    cacheFS: new Map(),
    supportsDynamicImport: false,
    supportsExportNamespaceFrom: false,
    supportsStaticESM: false,
    supportsTopLevelAwait: false,
    config: {
      cwd: process.cwd(),
      rootDir: process.cwd(),
      globals: {},
      testMatch: [],
      testRegex: [],
      moduleFileExtensions: ["ts", "js"],
      extensionsToTreatAsEsm: [],
      setupFiles: [],
      setupFilesAfterEnv: [],
      transform: [],
    },
  }) as unknown as TransformOptions<typeof config>;

describe("spec transformer", () => {
  const transformer = createTransformer(config);
  const source = "export const answer: number = 42;\n";

  it("keys a file by its text, its path and Jest's configuration", () => {
    const key = transformer.getCacheKey!(source, "/lab/a.spec.ts", options("{}"));
    expect(transformer.getCacheKey!(source, "/lab/a.spec.ts", options("{}"))).toBe(key);
    expect(transformer.getCacheKey!(`${source}// changed\n`, "/lab/a.spec.ts", options("{}"))).not.toBe(key);
    expect(transformer.getCacheKey!(source, "/lab/b.spec.ts", options("{}"))).not.toBe(key);
    expect(transformer.getCacheKey!(source, "/lab/a.spec.ts", options('{"x":1}'))).not.toBe(key);
  });

  it("transpiles TypeScript to CommonJS through ts-jest", () => {
    const result = transformer.process(source, path.resolve("specs/example.spec.ts"), options("{}"));
    const code = typeof result === "string" ? result : result.code;
    expect(code).toMatch(/exports\.answer = 42/);
    expect(code).not.toMatch(/: number/);
  });
});
