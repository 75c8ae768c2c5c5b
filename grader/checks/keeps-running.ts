import { describeExceeded } from "../engine/disk-watch";
import { fail, lastLines, NOT_BUILT, pass, type CheckKind } from "./check";

/** The container is still running `timeouts.startSeconds` after start (or when the probe ended, if later). */
export const keepsRunning: CheckKind = {
  kind: "keeps-running",
  title: () => "The container keeps running",
  needs: () => ({ run: true }),
  reasons: { "not-built": "none", "not-started": "lab", "disk-budget": "none", "out-of-memory": "none", exited: "lab" },
  evaluate(facts, _params, { spec }) {
    const run = facts.run;
    if (!facts.image || !run) return NOT_BUILT;
    if (!run.started) return fail("not-started", `the container could not be started: ${run.startError}`);
    if (run.diskBudgetExceeded) {
      return fail(
        "disk-budget",
        `the container ${describeExceeded(run.diskBudgetExceeded)}, so it was stopped. Do not write large files into the container's filesystem at run time.`,
      );
    }
    if (run.running) return pass(`still running ${spec.timeouts.startSeconds} s after start`);
    const logs = run.logs.trim() ? `\nIts last output:\n${lastLines(run.logs)}` : " It printed nothing.";
    if (run.oomKilled) {
      return fail(
        "out-of-memory",
        `expected the container to keep running; it was killed for using more than ${spec.sandbox.memoryMb} MiB of memory (OOM) within ${spec.timeouts.startSeconds} s of starting. Look for what the app allocates as it starts.${logs}`,
      );
    }
    return fail(
      "exited",
      `expected the container to keep running; it exited with code ${run.exitCode} within ${spec.timeouts.startSeconds} s of starting. Check CMD and that the app starts.${logs}`,
    );
  },
};
