import type { SubmissionFacts } from "../grading/submission-facts";
import type { LabSpec } from "../lab/lab-spec";
import type { CommandResult } from "../engine/command-in-image";
import { commandKey, NOT_BUILT, type CheckContext } from "./check";
import { commandOutput } from "./command-output";
import { combinedNeeds } from "./index";

const spec = { sandbox: { memoryMb: 256 } } as unknown as LabSpec;
const context = { spec } as CheckContext;
const VERSION = ["/server", "-version"];

function facts(result?: Partial<CommandResult>): SubmissionFacts {
  const commands = result ? { [commandKey(VERSION)]: { started: true, timedOut: false, exitCode: 0, stdout: "", stderr: "", ...result } } : undefined;
  return { id: "s", image: { id: "sha256:x" }, commands } as unknown as SubmissionFacts;
}

describe("command-output", () => {
  it("asks for the command with its timeout, once however many checks run it, with the longest timeout", () => {
    expect(commandOutput.needs({ command: VERSION }, spec)).toEqual({ commands: [{ command: VERSION, timeoutSeconds: 10 }] });
    const needs = [commandOutput.needs({ command: VERSION, timeoutSeconds: 30 }, spec), commandOutput.needs({ command: VERSION }, spec)];
    expect(combinedNeeds(needs).commands).toEqual([{ command: VERSION, timeoutSeconds: 30 }]);
  });

  it("passes the exit code and output asked for: exact (whitespace around ignored) or a pattern", () => {
    expect(commandOutput.evaluate(facts({ stdout: "v1.2.3\n" }), { command: VERSION, stdout: "v1.2.3" }, context)).toMatchObject({
      passed: true,
      message: '["/server","-version"] exited 0 and printed "v1.2.3"',
    });
    expect(commandOutput.evaluate(facts({ exitCode: 2 }), { command: VERSION, exitCode: 2 }, context).passed).toBe(true);
    expect(commandOutput.evaluate(facts({ stdout: "v1.2.3" }), { command: VERSION, stdoutPattern: "^v1\\." }, context).passed).toBe(true);
  });

  it("fails another exit code, showing what the command printed on either stream", () => {
    const outcome = commandOutput.evaluate(
      facts({ exitCode: 1, stderr: "flag provided but not defined: -version\n" }),
      { command: VERSION },
      context,
    );
    expect(outcome).toEqual({
      passed: false,
      reason: "wrong-exit-code",
      message: '["/server","-version"] exited with code 1; expected 0.\nIts last output:\nflag provided but not defined: -version',
    });
  });

  it("fails other output, quoting it safely", () => {
    expect(commandOutput.evaluate(facts({ stdout: "v2\u001b[31m\n" }), { command: VERSION, stdout: "v1" }, context)).toMatchObject({
      reason: "wrong-output",
      message: '["/server","-version"] printed "v2\\\\x1b[31m"; expected exactly "v1"',
    });
    expect(commandOutput.evaluate(facts({ stdout: "v2" }), { command: VERSION, stdoutPattern: "^v1" }, context)).toMatchObject({
      reason: "wrong-output",
      message: '["/server","-version"] printed "v2"; expected output matching /^v1/',
    });
  });

  it("says why a command that never finished failed: not started, timed out, out of memory, past the disk budget", () => {
    const why = (result: Partial<CommandResult>) => commandOutput.evaluate(facts(result), { command: VERSION, timeoutSeconds: 3 }, context);
    expect(why({ started: false, startError: 'exec: "/server": stat /server: no such file or directory' })).toMatchObject({
      reason: "not-started",
      message: '["/server","-version"] could not be started in the image: exec: "/server": stat /server: no such file or directory',
    });
    expect(why({ timedOut: true, exitCode: undefined })).toMatchObject({
      reason: "timeout",
      message: '["/server","-version"] was still running after 3 s, so it was stopped. It printed nothing.',
    });
    expect(why({ oomKilled: true, exitCode: 137 }).message).toMatch(/killed for using more than 256 MiB of memory/);
    expect(why({ diskBudgetExceeded: { writtenBytes: 300 * 1024 ** 2, budgetBytes: 128 * 1024 ** 2 }, exitCode: 137 })).toMatchObject({
      reason: "disk-budget",
      message: expect.stringMatching(/wrote 300 MiB to the engine's disk; the budget is 128 MiB, so it was stopped/),
    });
  });

  it("did not run when there is no image", () => {
    expect(commandOutput.evaluate({ id: "s" } as SubmissionFacts, { command: VERSION }, context)).toEqual(NOT_BUILT);
  });
});
