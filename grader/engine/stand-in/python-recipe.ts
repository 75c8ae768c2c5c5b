import { debianBaseImage, recipeHash, type DebianBase } from "./recipe-files";
import type { StandInPlan } from "./stand-in-recipe";

/** Debian releases whose own python3 matches an official image's Python minor version. */
const SUITES: Record<string, { debianVersion: string; python: string }> = {
  bullseye: { debianVersion: "11", python: "3.9" },
  bookworm: { debianVersion: "12", python: "3.11" },
  trixie: { debianVersion: "13", python: "3.13" },
};

/**
 * What debootstrap adds to Debian's minbase: Python and what the official images install beside it. Debian
 * splits distutils and lib2to3 out of the standard library that Python 3.11 and earlier still have. From 3.12
 * on, the wheelhouse's pip (Debian 12's) no longer runs: the release's own pip wheel is taken instead.
 */
function pythonDebianBase(suite: string): DebianBase {
  const [major, minor] = SUITES[suite].python.split(".").map(Number);
  const byVersion = major === 3 && minor < 12 ? ["python3-distutils", "python3-lib2to3"] : ["python3-pip-whl"];
  return { suite, packages: ["python3", ...byVersion, "ca-certificates", "netbase", "tzdata"] };
}

/** The wheelhouse is repacked from this suite's packages; its wheels are pure Python and serve every suite. */
export const WHEELHOUSE_SUITE = "bookworm";

export const WHEELHOUSE_DEBIAN_BASE = pythonDebianBase(WHEELHOUSE_SUITE);

export function wheelhouseImage(): string {
  return `lab-grader/wheelhouse:${recipeHash(["wheelhouse.Dockerfile", "repack-debian-wheels.py"], debianBaseImage(WHEELHOUSE_DEBIAN_BASE))}`;
}

/** Files sent as the build context of the python stand-in and wheelhouse builds. */
export const PYTHON_RECIPE_FILES = [
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

/** How to stand in for `python:X.Y[-slim[-suite]]`, or undefined for any other image. */
export function pythonPlanFor(image: string): StandInPlan | undefined {
  const match = /^(?:docker\.io\/)?(?:library\/)?python:(\d+\.\d+)(?:[.\d]*)(?:-(?:slim|bookworm|bullseye|buster|slim-[a-z]+))?$/.exec(image);
  const suite = match && Object.keys(SUITES).find((name) => SUITES[name].python === match[1]);
  if (!match || !suite) return undefined;
  return {
    family: "python",
    version: match[1],
    debianBase: pythonDebianBase(suite),
    dockerfile: "stand-in.Dockerfile",
    contextFiles: PYTHON_RECIPE_FILES,
    builtFrom:
      `debootstrap --variant=minbase of Debian ${SUITES[suite].debianVersion} (${suite}) with its python3 ${match[1]} moved to /usr/local; ` +
      `Flask and its dependencies as wheels repacked from Debian ${WHEELHOUSE_SUITE} packages`,
  };
}

/** The images the python recipe keeps on the engine besides the stand-ins: every suite's Debian base, the wheelhouse. */
export function pythonRecipeImages(): string[] {
  return [wheelhouseImage(), ...Object.keys(SUITES).map((suite) => debianBaseImage(pythonDebianBase(suite)))];
}
