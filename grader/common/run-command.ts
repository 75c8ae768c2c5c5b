import { spawn } from "node:child_process";
import { TailBuffer } from "./tail-buffer";

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, head and tail kept when long. */
  output: string;
}

/** Runs a program without a shell, keeping a capped copy of its output. */
export function runCommand(
  program: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onLine?: (line: string) => void } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const output = new TailBuffer(64 * 1024);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      output.append(text);
      if (options.onLine) for (const line of text.split("\n")) if (line.trim()) options.onLine(line);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, output: output.text() });
    });
  });
}

/** True when `program` is found on PATH. */
export async function commandExists(program: string): Promise<boolean> {
  try {
    const result = await runCommand("sh", ["-c", 'command -v "$0"', program]);
    return result.exitCode === 0;
  } catch {
    return false;
  }
}
