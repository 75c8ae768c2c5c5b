import { mkdirSync } from "node:fs";
import path from "node:path";

/**
 * Where lab-grader keeps machine-local state (engine log, debootstrap trees): `$LAB_GRADER_HOME`, else
 * `.lab-grader/` in the working directory. Never committed (see .gitignore).
 */
export function stateDir(...parts: string[]): string {
  const root = process.env.LAB_GRADER_HOME ?? path.resolve(".lab-grader");
  const dir = path.join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
