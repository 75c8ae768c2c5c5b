import type { Engine } from "../client";
import { recipeImages } from "./stand-in-recipe";

/**
 * Removes the Debian bases and wheelhouses older stand-in recipes left on the engine: names the current recipes no
 * longer make. (Stand-ins themselves are replaced where they are rebuilt; see ensureBaseImages.) An image still
 * in use stays; returns how many names were removed.
 */
export async function removeSupersededRecipeImages(engine: Engine): Promise<number> {
  const current = new Set(recipeImages());
  const recipeImagesOnEngine = await engine.docker.listImages({ filters: { reference: ["lab-grader/debian:*", "lab-grader/wheelhouse:*"] } });
  const oldNames = recipeImagesOnEngine.flatMap((image) => image.RepoTags ?? []).filter((name) => !current.has(name));
  let removed = 0;
  for (const name of oldNames) {
    if (
      await engine.docker
        .getImage(name)
        .remove()
        .then(
          () => true,
          () => false,
        )
    )
      removed++;
  }
  return removed;
}
