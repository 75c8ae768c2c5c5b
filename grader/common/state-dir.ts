import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/**
 * Where lab-grader keeps machine-local state (engine log, debootstrap trees, per-run check records):
 * `$LAB_GRADER_HOME`, else `$XDG_CACHE_HOME/lab-grader`, else `~/.cache/lab-grader`. Never the working
 * directory: a student runs `check` inside the very folder that becomes the build context.
 */
export function stateDir(...parts: string[]): string {
  const root = process.env.LAB_GRADER_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "lab-grader");
  const dir = path.join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
