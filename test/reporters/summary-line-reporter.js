"use strict";
/**
 * Prints the slowest suites (where CI's time goes), then the run's plain closing line, `N passed, N failed`
 * (`, N skipped` when any), for CI systems that read a run's result from its last line.
 */
const SLOWEST = 12;

class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails to load has no failed tests; count it, so the line never says "0 failed" for a broken run.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    let line = `${results.numPassedTests} passed, ${failed} failed`;
    if (skipped) line += `, ${skipped} skipped`;
    const seconds = (suite) => (suite.perfStats.end - suite.perfStats.start) / 1000;
    const slowest = [...results.testResults]
      .sort((a, b) => seconds(b) - seconds(a))
      .slice(0, SLOWEST)
      .map((suite) => `  ${seconds(suite).toFixed(0).padStart(5)} s  ${require("node:path").relative(process.cwd(), suite.testFilePath)}`);
    // Jest's own summary is printed after the reporters; at exit these lines are the last ones.
    process.once("exit", () => process.stdout.write(`slowest suites:\n${slowest.join("\n")}\n${line}\n`));
  }
}
module.exports = SummaryLineReporter;
