import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { packagePath } from "../../common/package-path";

/** Where the recipe files (Dockerfiles, scripts) are; they are sent as the stand-in builds' context. */
export function recipeDir(): string {
  return packagePath("grader", "engine", "stand-in");
}

/** 16 hex digits that change whenever the salt or one of the recipe files changes. */
export function recipeHash(files: readonly string[], salt: string): string {
  const hash = createHash("sha256").update(salt);
  for (const file of files) hash.update(file).update(readFileSync(`${recipeDir()}/${file}`));
  return hash.digest("hex").slice(0, 16);
}

/** A Debian release bootstrapped (debootstrap --variant=minbase) with these packages added. */
export interface DebianBase {
  suite: string;
  packages: string[];
}

/** The slimmed Debian a stand-in builds on; its tag changes with what goes into it, so a new recipe makes a new one. */
export function debianBaseImage(base: DebianBase): string {
  return `lab-grader/debian:${base.suite}-${recipeHash(["slim-debian.sh"], `${base.suite} ${base.packages.join(",")}`)}`;
}
