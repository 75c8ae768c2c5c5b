import { describeExceeded } from "../engine/disk-watch";
import { fail, lastLines, NOT_BUILT, pass, type Check } from "./check";

export const containerRuns: Check = {
  id: "container-runs",
  title: "The container keeps running",
  defaultPoints: 1,
  evaluate(facts, { spec }) {
    const run = facts.run;
    if (!facts.image || !run) return NOT_BUILT;
    if (!run.started) return fail(`the container could not be started: ${run.startError}`);
    if (run.diskBudgetExceeded) {
      return fail(`the container ${describeExceeded(run.diskBudgetExceeded)}, so it was stopped. Do not write large files into the container's filesystem at run time.`);
    }
    if (run.running) return pass(`still running ${spec.timeouts.startSeconds} s after start`);
    const why = run.oomKilled ? "was killed for using too much memory (OOM)" : `exited with code ${run.exitCode}`;
    const logs = run.logs.trim() ? `\nIts last output:\n${lastLines(run.logs)}` : " It printed nothing.";
    return fail(`expected the container to keep running; it ${why} within ${spec.timeouts.startSeconds} s of starting. Check CMD and that the app starts.${logs}`);
  },
};
