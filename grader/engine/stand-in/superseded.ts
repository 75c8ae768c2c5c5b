import type { Engine } from "../client";
import { debianBaseImage, debianSuites, LABEL, wheelhouseImage } from "./stand-in-recipe";

/**
 * Removes what older stand-in recipes left on the engine: Debian bases and wheelhouses under names the current
 * recipe no longer makes, and stand-ins whose names moved to a newer build. Images still in use (a container, a
 * child image such as an older reference) stay; returns how many were removed.
 */
export async function removeSupersededStandIns(engine: Engine): Promise<number> {
  const current = new Set([wheelhouseImage(), ...debianSuites().map(debianBaseImage)]);
  const recipeImages = await engine.docker.listImages({ filters: { reference: ["lab-grader/debian:*", "lab-grader/wheelhouse:*"] } });
  const oldNames = recipeImages.flatMap((image) => image.RepoTags ?? []).filter((name) => !current.has(name));
  const oldStandIns = await engine.docker.listImages({ filters: { dangling: ["true"], label: [`${LABEL.standIn}=true`] } });
  let removed = 0;
  for (const ref of [...oldNames, ...oldStandIns.map((image) => image.Id)]) {
    if (await engine.docker.getImage(ref).remove().then(() => true, () => false)) removed++;
  }
  return removed;
}
