import { describeExceeded } from "../engine/disk-watch";
import { fail, lastLines, pass, type Check } from "./check";

export const imageBuilds: Check = {
  id: "image-builds",
  title: "The image builds",
  defaultPoints: 2,
  evaluate(facts) {
    const build = facts.build;
    if (!build.attempted) return fail(`not built: ${build.notAttemptedReason}`);
    const notes = build.notes.length ? ` (note: ${build.notes.join("; ")})` : "";
    if (build.ok) return pass(`built in ${(build.durationMs / 1000).toFixed(1)} s${notes}`);
    const at = build.lastStep ? ` at ${build.lastStep}` : "";
    if (build.diskBudgetExceeded) {
      return fail(`the build ${describeExceeded(build.diskBudgetExceeded)}; it was stopped${at}. Keep large files out of build steps, or delete them in the step that makes them${notes}`);
    }
    if (build.timedOut) {
      return fail(`the build did not finish within ${build.timeoutSeconds} s and was stopped${at}. Look for a step that waits forever or downloads too much${notes}`);
    }
    const output = build.failedStepOutput ? `Last lines of that step's output:\n${lastLines(build.failedStepOutput)}` : `Last lines of the build output:\n${lastLines(build.log)}`;
    return fail(`the build failed${at}: ${build.error ?? "unknown error"}${notes}\n${output}`);
  },
};
