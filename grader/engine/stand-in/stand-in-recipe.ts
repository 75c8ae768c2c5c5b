import { golangPlanFor, golangRecipeImages } from "./golang-recipe";
import { pythonPlanFor, pythonRecipeImages } from "./python-recipe";
import { debianBaseImage, recipeHash, type DebianBase } from "./recipe-files";

export const LABEL = {
  standIn: "org.lab-grader.stand-in",
  builtFrom: "org.lab-grader.stand-in.built-from",
  /** The official image's version a stand-in is for, one label per family: `org.lab-grader.stand-in.python=3.9`. */
  python: "org.lab-grader.stand-in.python",
  golang: "org.lab-grader.stand-in.golang",
  recipe: "org.lab-grader.stand-in.recipe",
} as const;

/** The official images lab-grader can stand in for, one recipe module each. */
export type StandInFamily = "python" | "golang";

/** Everything a stand-in build needs: which Debian to bootstrap, which Dockerfile to build on it, what to label. */
export interface StandInPlan {
  family: StandInFamily;
  /** The official image's minor version: 3.9 for python:3.9-slim, 1.24 for golang:1.24. */
  version: string;
  debianBase: DebianBase;
  dockerfile: string;
  /** The recipe files sent as the build context; they are also what the recipe hash covers. */
  contextFiles: readonly string[];
  builtFrom: string;
}

/** How to stand in for `image` offline, or undefined when lab-grader knows no recipe for it. */
export function standInPlanFor(image: string): StandInPlan | undefined {
  return pythonPlanFor(image) ?? golangPlanFor(image);
}

/** Changes whenever a recipe file, the version or the Debian base changes, so `setup` rebuilds stand-ins made by an older recipe. */
export function standInRecipeHash(plan: StandInPlan): string {
  return recipeHash(plan.contextFiles, `${plan.debianBase.suite}/${plan.version}/${debianBaseImage(plan.debianBase)}`);
}

/** Same key, same image: names that one build serves. */
export function standInKey(plan: StandInPlan): string {
  return `${plan.family}/${plan.version}/${plan.debianBase.suite}`;
}

/** The Debian bases and helper images the current recipes make; others under those names are an older recipe's. */
export function recipeImages(): string[] {
  return [...pythonRecipeImages(), ...golangRecipeImages()];
}
