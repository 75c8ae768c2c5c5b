import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { packagePath } from "../../common/package-path";

/** Debian releases whose own python3 matches an official image's Python minor version. */
const SUITE_FOR_PYTHON: Record<string, { suite: string; debianVersion: string }> = {
  "3.9": { suite: "bullseye", debianVersion: "11" },
  "3.11": { suite: "bookworm", debianVersion: "12" },
  "3.13": { suite: "trixie", debianVersion: "13" },
};

/** The wheelhouse is repacked from this suite's packages; its wheels are pure Python and serve every suite. */
export const WHEELHOUSE_SUITE = "bookworm";

export const LABEL = {
  standIn: "org.lab-grader.stand-in",
  builtFrom: "org.lab-grader.stand-in.built-from",
  python: "org.lab-grader.stand-in.python",
  recipe: "org.lab-grader.stand-in.recipe",
} as const;

export interface StandInPlan {
  suite: string;
  python: string;
  builtFrom: string;
}

/** How to stand in for `image` offline, or undefined when lab-grader knows no recipe for it. */
export function standInPlanFor(image: string): StandInPlan | undefined {
  const match = /^(?:docker\.io\/)?(?:library\/)?python:(\d+\.\d+)(?:[.\d]*)(?:-(?:slim|bookworm|bullseye|buster|slim-[a-z]+))?$/.exec(image);
  const target = match && SUITE_FOR_PYTHON[match[1]];
  if (!match || !target) return undefined;
  return {
    suite: target.suite,
    python: match[1],
    builtFrom:
      `debootstrap --variant=minbase of Debian ${target.debianVersion} (${target.suite}) with its python3 ${match[1]}; ` +
      `Flask and its dependencies as wheels repacked from Debian ${WHEELHOUSE_SUITE} packages`,
  };
}

export function debianBaseImage(suite: string): string {
  return `lab-grader/debian:${suite}`;
}

export function wheelhouseImage(): string {
  return `lab-grader/wheelhouse:${recipeHash(["wheelhouse.Dockerfile", "repack-debian-wheels.py"], WHEELHOUSE_SUITE)}`;
}

/** Files sent as the build context of the stand-in builds. */
export const RECIPE_FILES = ["wheelhouse.Dockerfile", "stand-in.Dockerfile", "pip.conf", "repack-debian-wheels.py"];

export function recipeDir(): string {
  return packagePath("grader", "engine", "stand-in");
}

/** Changes whenever a recipe file or the suite changes, so `setup` rebuilds stand-ins made by an older recipe. */
export function standInRecipeHash(plan: StandInPlan): string {
  return recipeHash(RECIPE_FILES, `${plan.suite}/${plan.python}`);
}

function recipeHash(files: string[], salt: string): string {
  const hash = createHash("sha256").update(salt);
  for (const file of files) hash.update(file).update(readFileSync(`${recipeDir()}/${file}`));
  return hash.digest("hex").slice(0, 16);
}
