"use strict";
/**
 * Prints the run's plain closing line, `N passed, N failed` (`, N skipped` when any), for CI systems that
 * read a run's result from its last line.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails to load has no failed tests; count it, so the line never says "0 failed" for a broken run.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    let line = `${results.numPassedTests} passed, ${failed} failed`;
    if (skipped) line += `, ${skipped} skipped`;
    // Jest's own summary is printed after the reporters; at exit this line is the last one.
    process.once("exit", () => process.stdout.write(`${line}\n`));
  }
}
module.exports = SummaryLineReporter;
