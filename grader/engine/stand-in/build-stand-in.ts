import type { Readable } from "node:stream";
import tar from "tar-fs";
import type { Engine } from "../client";
import { buildImage } from "../build";
import { imageExists } from "../images";
import { ensureDebianBaseImage } from "./debian-base-image";
import {
  LABEL,
  RECIPE_FILES,
  WHEELHOUSE_SUITE,
  recipeDir,
  standInRecipeHash,
  wheelhouseImage,
  type StandInPlan,
} from "./stand-in-recipe";

const STAND_IN_BUILD_TIMEOUT_MS = 15 * 60 * 1000;

/** Builds one stand-in image for `plan` and tags it with every name in `names`. */
export async function buildStandIn(engine: Engine, plan: StandInPlan, names: string[], report: (line: string) => void): Promise<string> {
  const wheelhouse = await ensureWheelhouse(engine, report);
  const base = await ensureDebianBaseImage(engine, plan.suite, report);
  report(`  building stand-in for ${names.join(", ")} (Debian ${plan.suite}, Python ${plan.python})…`);
  return build(engine, "stand-in.Dockerfile", names, { DEBIAN_BASE: base, WHEELHOUSE: wheelhouse }, {
    [LABEL.standIn]: "true",
    [LABEL.builtFrom]: plan.builtFrom,
    [LABEL.python]: plan.python,
    [LABEL.recipe]: standInRecipeHash(plan),
  });
}

async function ensureWheelhouse(engine: Engine, report: (line: string) => void): Promise<string> {
  const image = wheelhouseImage();
  if (await imageExists(engine.docker, image)) return image;
  const base = await ensureDebianBaseImage(engine, WHEELHOUSE_SUITE, report);
  report(`  building the offline wheelhouse ${image} from Debian ${WHEELHOUSE_SUITE} packages…`);
  await build(engine, "wheelhouse.Dockerfile", [image], { DEBIAN_BASE: base }, { [LABEL.recipe]: image.split(":")[1] });
  return image;
}

async function build(
  engine: Engine,
  dockerfile: string,
  tags: string[],
  buildArgs: Record<string, string>,
  labels: Record<string, string>,
): Promise<string> {
  const result = await buildImage(engine.docker, {
    context: tar.pack(recipeDir(), { entries: RECIPE_FILES }) as unknown as Readable,
    dockerfile,
    tags,
    buildArgs,
    labels,
    timeoutMs: STAND_IN_BUILD_TIMEOUT_MS,
  });
  if (!result.ok || !result.imageId) {
    throw new Error(`building ${tags[0]} failed: ${result.error}\n${result.log.slice(-3000)}`);
  }
  return result.imageId;
}
