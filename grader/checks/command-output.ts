import { describeExceeded } from "../engine/disk-watch";
import { commandKey, fail, lastLines, NOT_BUILT, pass, quote, type CheckKind, type CheckOutcome } from "./check";
import type { CommandResult } from "../engine/command-in-image";
import { matchesPattern, patternTimeout } from "./pattern";

export interface CommandOutputParams {
  /** Exec form, as in a Dockerfile's `ENTRYPOINT [...]`: no shell unless it names one. */
  command: string[];
  /** Default 0. */
  exitCode?: number;
  /** Its standard output, exactly (surrounding whitespace ignored). */
  stdout?: string;
  /** Or a regular expression its standard output must match. */
  stdoutPattern?: string;
  /** Default 10. */
  timeoutSeconds?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 10;

/** `["python", "-c", "import flask"]`, as the lab wrote it. */
const shown = (command: string[]): string => JSON.stringify(command);

/**
 * A command run in a throwaway container of the final image (no network, the submission's sandbox, the image's
 * USER) exits with the code, and prints the output, the lab expects.
 */
export const commandOutput: CheckKind<CommandOutputParams> = {
  kind: "command-output",
  reasons: {
    "not-built": "none",
    "not-started": "lab",
    timeout: "none",
    "out-of-memory": "none",
    "disk-budget": "none",
    "wrong-exit-code": "lab",
    "wrong-output": "lab",
  },
  title: (params) =>
    `${shown(params.command)} in the image exits ${params.exitCode ?? 0}${params.stdout !== undefined ? ` and prints ${quote(params.stdout)}` : ""}`,
  needs: (params) => ({ commands: [{ command: params.command, timeoutSeconds: params.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS }] }),
  evaluate(facts, params, { spec }) {
    if (!facts.image) return NOT_BUILT;
    const result = facts.commands?.[commandKey(params.command)];
    if (!result) return fail("not-started", `${shown(params.command)} was not run`);
    return verdict(result, params, spec.sandbox.memoryMb);
  },
};

function verdict(result: CommandResult, params: CommandOutputParams, memoryMb: number): CheckOutcome {
  const command = shown(params.command);
  if (!result.started) return fail("not-started", `${command} could not be started in the image: ${result.startError}`);
  const output = printed(result);
  if (result.diskBudgetExceeded) return fail("disk-budget", `${command} ${describeExceeded(result.diskBudgetExceeded)}, so it was stopped.${output}`);
  const timeout = params.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
  if (result.timedOut) return fail("timeout", `${command} was still running after ${timeout} s, so it was stopped.${output}`);
  if (result.oomKilled) return fail("out-of-memory", `${command} was killed for using more than ${memoryMb} MiB of memory (OOM).${output}`);
  const exitCode = params.exitCode ?? 0;
  if (result.exitCode !== exitCode) return fail("wrong-exit-code", `${command} exited with code ${result.exitCode}; expected ${exitCode}.${output}`);
  const stdout = result.stdout.trim();
  if (params.stdout !== undefined && stdout !== params.stdout)
    return fail("wrong-output", `${command} printed ${quote(stdout)}; expected exactly ${quote(params.stdout)}`);
  const matched = params.stdoutPattern === undefined || matchesPattern(params.stdoutPattern, stdout);
  if (matched === "timeout") return fail("wrong-output", `${command} printed ${quote(stdout)}, but ${patternTimeout(params.stdoutPattern!)}`);
  if (!matched) return fail("wrong-output", `${command} printed ${quote(stdout)}; expected output matching /${params.stdoutPattern}/`);
  return pass(`${command} exited ${exitCode}${stdout ? ` and printed ${quote(stdout)}` : ""}`);
}

/** " Its output: …" — the last lines of stdout, then stderr — or " It printed nothing.". */
function printed(result: CommandResult): string {
  const both = [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join("\n");
  return both ? `\nIts last output:\n${lastLines(both)}` : " It printed nothing.";
}
