import { spawn } from "node:child_process";
import path from "node:path";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = path.resolve(__dirname, "../../bin/lab-grader.js");

/**
 * Runs the built CLI (dist/, made by `npm ci`/`npm run build`) as a user would; `prefix` is a command that runs
 * it (e.g. `nsenter … --`).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string, prefix: string[] = []): Promise<CliResult> {
  const [program, ...rest] = [...prefix, process.execPath, BIN, ...args];
  return runProgram(program, rest, env, cwd ?? path.resolve(__dirname, "../.."));
}

/** Runs a program to its end and keeps what it printed; one that cannot start rejects (a test then fails). */
export function runProgram(program: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
