import type { Readable } from "node:stream";
import tar from "tar-fs";
import type { Engine } from "../client";
import { buildImage } from "../build";
import { imageExists } from "../images";
import { ownerLabel, LABELS } from "../labels";
import { withImageFiles } from "../../inspect/image-files";
import { ensureDebianBaseImage } from "./debian-base-image";
import { PYTHON_RECIPE_FILES, WHEELHOUSE_DEBIAN_BASE, WHEELHOUSE_SUITE, wheelhouseImage } from "./python-recipe";
import { recipeDir } from "./recipe-files";
import { LABEL, standInRecipeHash, type StandInFamily, type StandInPlan } from "./stand-in-recipe";

const STAND_IN_BUILD_TIMEOUT_MS = 15 * 60 * 1000;

type Report = (line: string) => void;

/** What each family's Dockerfile needs besides DEBIAN_BASE, as build arguments (made or read first where needed). */
const FAMILY_BUILD_ARGS: Record<StandInFamily, (engine: Engine, plan: StandInPlan, base: string, report: Report) => Promise<Record<string, string>>> =
  {
    python: async (engine, _plan, _base, report) => ({ WHEELHOUSE: await ensureWheelhouse(engine, report) }),
    golang: async (engine, plan, base) => ({ GO_MINOR: plan.version, GOLANG_VERSION: await debianGoVersion(engine, base, plan.version) }),
  };

/** Builds one stand-in image for `plan` and tags it with every name in `names`. */
export async function buildStandIn(engine: Engine, plan: StandInPlan, names: string[], report: Report): Promise<string> {
  const base = await ensureDebianBaseImage(engine, plan.debianBase, report);
  const familyArgs = await FAMILY_BUILD_ARGS[plan.family](engine, plan, base, report);
  report(`  building stand-in for ${names.join(", ")} (Debian ${plan.debianBase.suite}, ${plan.family} ${plan.version})…`);
  return build(
    engine,
    plan.contextFiles,
    plan.dockerfile,
    names,
    { DEBIAN_BASE: base, ...familyArgs },
    {
      [LABEL.standIn]: "true",
      [LABEL.builtFrom]: plan.builtFrom,
      [LABEL[plan.family]]: plan.version,
      [LABEL.recipe]: standInRecipeHash(plan),
    },
  );
}

async function ensureWheelhouse(engine: Engine, report: Report): Promise<string> {
  const image = wheelhouseImage();
  if (await imageExists(engine.docker, image)) return image;
  const base = await ensureDebianBaseImage(engine, WHEELHOUSE_DEBIAN_BASE, report);
  report(`  building the offline wheelhouse ${image} from Debian ${WHEELHOUSE_SUITE} packages…`);
  await build(engine, PYTHON_RECIPE_FILES, "wheelhouse.Dockerfile", [image], { DEBIAN_BASE: base }, { [LABEL.recipe]: image.split(":")[1] });
  return image;
}

/**
 * The Go release Debian packaged (`1.24.4`), for GOLANG_VERSION: read from the base image's VERSION file, since a
 * Dockerfile cannot set ENV from a file and the release changes with Debian's updates.
 */
async function debianGoVersion(engine: Engine, base: string, minor: string): Promise<string> {
  const path = `/usr/lib/go-${minor}/VERSION`;
  const content = await withImageFiles(engine.docker, base, { [LABELS.owner]: ownerLabel() }, (files) => files.readFile(path));
  const version = /^go(\d+\.\d+(?:\.\d+)?)\s/.exec(content?.toString("utf8") ?? "")?.[1];
  if (!version) throw new Error(`${base} has no Go version in ${path} (found: ${JSON.stringify(content?.toString("utf8").slice(0, 80))})`);
  return version;
}

async function build(
  engine: Engine,
  contextFiles: readonly string[],
  dockerfile: string,
  tags: string[],
  buildArgs: Record<string, string>,
  labels: Record<string, string>,
): Promise<string> {
  const result = await buildImage(engine.docker, {
    context: tar.pack(recipeDir(), { entries: [...contextFiles] }) as unknown as Readable,
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
