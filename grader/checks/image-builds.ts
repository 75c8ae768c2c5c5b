import { describeExceeded } from "../engine/disk-watch";
import type { BuildFacts, NotBuiltKind } from "../grading/submission-facts";
import { ENGINE_CANNOT_REASON, engineCannotOutcome, fail, GRADER_ERROR_REASON, lastLines, pass, type CheckKind, type NotGraded } from "./check";

const NOT_BUILT_REASON: Record<Exclude<NotBuiltKind, "engine">, string> = {
  dockerfile: "no-dockerfile",
  policy: "not-allowed",
  context: "context-refused",
  grader: GRADER_ERROR_REASON,
};

/** Why a build may take a fraction of a second: its steps were built before, by this submission or the same steps in another. */
function reused(steps = 0): string {
  return steps ? `; ${steps} of its steps came from the engine's build cache (built before from the same files and commands)` : "";
}

/** The image builds within the build timeout. */
export const imageBuilds: CheckKind = {
  kind: "image-builds",
  title: () => "The image builds",
  needs: () => ({}),
  reasons: {
    "no-dockerfile": {
      hint: "Submit a file named exactly Dockerfile (capital D, no extension) at the top of your submission folder, not in a subfolder.",
    },
    "not-allowed": "none",
    [ENGINE_CANNOT_REASON]: "none",
    "context-refused": "none",
    [GRADER_ERROR_REASON]: "none",
    "disk-budget": "none",
    timeout: "none",
    "copy-source-missing": "lab",
    "step-failed": "lab",
  },
  evaluate(facts, _params, context) {
    const build = facts.build;
    if (!build.attempted) {
      const why = `not built: ${build.notAttemptedReason}`;
      const kind = build.notAttemptedKind ?? "grader";
      if (kind === "engine") return engineCannotOutcome(why, build.engineNeeds);
      const outcome = fail(NOT_BUILT_REASON[kind], why);
      return kind === "grader" ? { ...outcome, notGraded: { cause: "grader" } } : outcome;
    }
    const notes = build.notes.length ? ` (note: ${build.notes.join("; ")})` : "";
    if (build.ok) return pass(`built in ${(build.durationMs / 1000).toFixed(1)} s${reused(build.reusedSteps)}${notes}`);
    const at = build.lastStep ? ` at ${build.lastStep}` : "";
    if (build.diskBudgetExceeded) {
      return fail(
        "disk-budget",
        `the build ${describeExceeded(build.diskBudgetExceeded)}; it was stopped${at}. Keep large files out of build steps, or delete them in the step that makes them${notes}`,
      );
    }
    if (build.timedOut) {
      const output = build.log.trim() ? `\nLast lines of the build output:\n${lastLines(build.log)}` : "";
      return fail(
        "timeout",
        `the build did not finish within ${build.timeoutSeconds} s and was stopped${at}. Look for a step that waits forever or downloads too much${notes}${output}`,
      );
    }
    const output = build.failedStepOutput
      ? `Last lines of that step's output:\n${lastLines(build.failedStepOutput)}`
      : `Last lines of the build output:\n${lastLines(build.log)}`;
    const offline =
      context.spec.sandbox.buildNetwork === "none" && triedTheNetwork(`${build.error ?? ""}\n${build.failedStepOutput ?? lastLines(build.log)}`)
        ? OFFLINE_NOTE
        : "";
    return fail(
      copySourceMissing(build) ? "copy-source-missing" : "step-failed",
      `the build failed${at}: ${build.error ?? "unknown error"}${notes}${offline}\n${output}`,
    );
  },
};

const OFFLINE_NOTE =
  ". That step tried to reach the network, and this lab's builds have none (not even a package index): install only what the base image and your submission's files provide (the lab's sandbox.buildNetwork is none)";

/**
 * Whether a failed step's output says it tried to reach another host: a name that did not resolve or a connection
 * that had no route, as pip, apt, curl, wget, Go, npm and Python's own sockets word it.
 */
export function triedTheNetwork(output: string): boolean {
  return /Temporary failure in name resolution|Name or service not known|Could not resolve|Network is unreachable|Failed to establish a new connection|unable to resolve host address|dial (tcp|udp)[^\n]*(no such host|network is unreachable|connect:)|getaddrinfo (EAI_AGAIN|ENOTFOUND)|Resolving timed out/i.test(
    output,
  );
}

/**
 * A COPY or ADD whose source is not there (in the context or in the stage it copies from). The classic builder
 * says "COPY failed: … no such file or directory / file does not exist"; BuildKit "failed to compute cache key:
 * … not found" (older) or "failed to calculate checksum of ref …: "/app/venv": not found".
 */
function copySourceMissing(build: BuildFacts): boolean {
  const error = build.error ?? "";
  return (
    /^(COPY|ADD) failed: .*(no such file or directory|file does not exist|not found)/i.test(error) ||
    /failed to (compute cache key|calculate checksum of ref)[^\n]*not found/i.test(error)
  );
}

/** Why a build was not graded (see NotGraded), when it was not: what the checks that need its image inherit. */
export function buildNotGraded(build: BuildFacts): NotGraded | undefined {
  if (build.attempted) return undefined;
  const kind = build.notAttemptedKind ?? "grader";
  if (kind === "engine") return { cause: "engine", ...(build.engineNeeds ? { needs: build.engineNeeds } : {}) };
  return kind === "grader" ? { cause: "grader" } : undefined;
}
