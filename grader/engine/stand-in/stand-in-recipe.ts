import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { packagePath } from "../../common/package-path";

/** Debian releases whose own python3 matches an official image's Python minor version. */
const SUITES: Record<string, { debianVersion: string; python: string }> = {
  bullseye: { debianVersion: "11", python: "3.9" },
  bookworm: { debianVersion: "12", python: "3.11" },
  trixie: { debianVersion: "13", python: "3.13" },
};

/** The Debian releases stand-ins are built on. */
export function debianSuites(): string[] {
  return Object.keys(SUITES);
}

/**
 * What debootstrap adds to Debian's minbase: Python and what the official images install beside it. Debian
 * splits distutils and lib2to3 out of the standard library that Python 3.11 and earlier still have. From 3.12
 * on, the wheelhouse's pip (Debian 12's) no longer runs: the release's own pip wheel is taken instead.
 */
export function debianPackages(suite: string): string[] {
  const [major, minor] = SUITES[suite].python.split(".").map(Number);
  const byVersion = major === 3 && minor < 12 ? ["python3-distutils", "python3-lib2to3"] : ["python3-pip-whl"];
  return ["python3", ...byVersion, "ca-certificates", "netbase", "tzdata"];
}

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
  const suite = match && Object.keys(SUITES).find((name) => SUITES[name].python === match[1]);
  if (!match || !suite) return undefined;
  const target = SUITES[suite];
  return {
    suite,
    python: match[1],
    builtFrom:
      `debootstrap --variant=minbase of Debian ${target.debianVersion} (${suite}) with its python3 ${match[1]} moved to /usr/local; ` +
      `Flask and its dependencies as wheels repacked from Debian ${WHEELHOUSE_SUITE} packages`,
  };
}

/** The slimmed Debian a stand-in builds on; its tag changes with what goes into it, so a new recipe makes a new one. */
export function debianBaseImage(suite: string): string {
  return `lab-grader/debian:${suite}-${recipeHash(["slim-debian.sh"], `${suite} ${debianPackages(suite).join(",")}`)}`;
}

export function wheelhouseImage(): string {
  return `lab-grader/wheelhouse:${recipeHash(["wheelhouse.Dockerfile", "repack-debian-wheels.py"], debianBaseImage(WHEELHOUSE_SUITE))}`;
}

/** Files sent as the build context of the stand-in builds. */
export const RECIPE_FILES = [
  "wheelhouse.Dockerfile",
  "stand-in.Dockerfile",
  "pip.conf",
  "repack-debian-wheels.py",
  "install-python.sh",
  "unpatch-debian-python.py",
  "sitecustomize.py",
  "ensurepip/__init__.py",
  "ensurepip/__main__.py",
];

export function recipeDir(): string {
  return packagePath("grader", "engine", "stand-in");
}

/** Changes whenever a recipe file or the suite changes, so `setup` rebuilds stand-ins made by an older recipe. */
export function standInRecipeHash(plan: StandInPlan): string {
  return recipeHash(RECIPE_FILES, `${plan.suite}/${plan.python}/${debianBaseImage(plan.suite)}`);
}

function recipeHash(files: string[], salt: string): string {
  const hash = createHash("sha256").update(salt);
  for (const file of files) hash.update(file).update(readFileSync(`${recipeDir()}/${file}`));
  return hash.digest("hex").slice(0, 16);
}
