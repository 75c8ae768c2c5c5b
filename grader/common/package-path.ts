import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

let root: string | undefined;

/** A path inside the lab-grader package (works from sources under ts-jest and from dist/). */
export function packagePath(...parts: string[]): string {
  if (!root) {
    let dir = __dirname;
    while (!isPackageRoot(dir)) {
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error(`lab-grader: cannot find its package.json above ${__dirname}`);
      dir = parent;
    }
    root = dir;
  }
  return path.join(root, ...parts);
}

function isPackageRoot(dir: string): boolean {
  const manifest = path.join(dir, "package.json");
  return existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "lab-grader";
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string }).version;
}
