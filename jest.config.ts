import type { Config } from "jest";

/** The harness's own test suite (`npm test`). Grading runs build their own Jest config (grader/grading/run-grading.ts). */
const config: Config = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testMatch: ["<rootDir>/test/**/*.test.ts", "<rootDir>/grader/**/*.test.ts"],
  // Docker-backed tests build images; their own timeouts are set per test.
  testTimeout: 30_000,
  setupFiles: ["<rootDir>/test/helpers/environment.ts"],
  globalSetup: "<rootDir>/test/helpers/temp-root.ts",
  globalTeardown: "<rootDir>/test/helpers/temp-root-teardown.ts",
  reporters: ["default", "<rootDir>/test/reporters/summary-line-reporter.js"],
};

export default config;
