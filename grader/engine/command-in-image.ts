import { randomUUID } from "node:crypto";
import { TailBuffer } from "../common/tail-buffer";
import type { Engine } from "./client";
import { readContainerLogs } from "./container-logs";
import { watchContainerDisk, type DiskBudgetExceeded } from "./disk-watch";
import { LABELS } from "./labels";
import { removeStarted, startSandboxed, untilStoppedOr, type SandboxedRequest } from "./run-container";

/** What a command's stdout and stderr each keep (head and tail). */
export const COMMAND_OUTPUT_CAP_BYTES = 16 * 1024;

export interface CommandRequest extends SandboxedRequest {
  /** Run as the image's ENTRYPOINT is (exec form, no shell), in place of its ENTRYPOINT and CMD. */
  command: string[];
  timeoutSeconds: number;
}

export interface CommandResult {
  started: boolean;
  /** Why it could not be started (an executable the image lacks, a USER it has no entry for). */
  startError?: string;
  exitCode?: number;
  /** Still running at its timeout: killed. */
  timedOut: boolean;
  oomKilled?: boolean;
  stdout: string;
  stderr: string;
  diskBudgetExceeded?: DiskBudgetExceeded;
}

/**
 * Runs one command in a throwaway container of the image: the submission's sandbox (limits, no capabilities, its
 * disk budget) with no network at all, as the image's USER. The container is always removed.
 */
export async function runInImage(engine: Engine, request: CommandRequest): Promise<CommandResult> {
  // Its own label too: a container the engine could not start is found and removed by it alone.
  const labels = { ...request.labels, [LABELS.command]: randomUUID() };
  const started = await startSandboxed(engine, { ...request, labels }, (definition) =>
    definition.withNetworkMode("none").withEntrypoint(request.command.slice(0, 1)).withCommand(request.command.slice(1)),
  );
  if ("startError" in started) return { started: false, startError: started.startError, timedOut: false, stdout: "", stderr: "" };
  const { container } = started;
  const startedAt = Date.now();
  const handle = engine.docker.getContainer(container.getId());
  const disk = watchContainerDisk(handle, request);
  try {
    await untilStoppedOr(handle, startedAt + request.timeoutSeconds * 1000);
    await disk.measureNow();
    let state = (await handle.inspect()).State;
    const timedOut = state.Running;
    if (timedOut) {
      await handle.kill().catch(() => undefined);
      await handle.wait().catch(() => undefined);
      state = (await handle.inspect()).State;
    }
    const stdout = new TailBuffer(COMMAND_OUTPUT_CAP_BYTES);
    const stderr = new TailBuffer(COMMAND_OUTPUT_CAP_BYTES);
    await readContainerLogs(handle, stdout, stderr);
    return {
      started: true,
      exitCode: timedOut ? undefined : state.ExitCode,
      timedOut,
      oomKilled: state.OOMKilled,
      stdout: stdout.text(),
      stderr: stderr.text(),
      ...(disk.exceeded() ? { diskBudgetExceeded: disk.exceeded() } : {}),
    };
  } finally {
    disk.end();
    await removeStarted(container, handle);
  }
}
