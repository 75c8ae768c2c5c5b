import { shortImageId } from "./image-id";
import type { Readable } from "node:stream";
import type { Engine } from "./client";
import { withTimeout } from "../common/duration";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { inspectImage } from "./images";
import { engineErrorText } from "./build";
import { readJsonLines } from "./json-lines";
import { buildStandIn } from "./stand-in/build-stand-in";
import { LABEL, standInKey, standInPlanFor, standInRecipeHash, type StandInPlan } from "./stand-in/stand-in-recipe";

export type BaseImageStatus = "present" | "stand-in" | "outdated-stand-in" | "missing";

export interface BaseImageState {
  name: string;
  status: BaseImageStatus;
  /** The image the engine has under the name now. */
  id?: string;
  /** One line for doctor/setup output. */
  detail: string;
  plan?: StandInPlan;
}

/** Present on the engine, and not a stand-in an older recipe made. */
export function isReady(state: BaseImageState): boolean {
  return state.status === "present" || state.status === "stand-in";
}

/** What the engine has for `name`, and whether a stand-in was built by the current recipe. */
export async function baseImageState(engine: Engine, name: string): Promise<BaseImageState> {
  const plan = standInPlanFor(name);
  const image = await inspectImage(engine.docker, name);
  if (!image) {
    const how = plan ? "lab-grader setup pulls it or builds an offline stand-in" : "pull it (docker pull) — lab-grader has no stand-in recipe for it";
    return { name, status: "missing", detail: `missing: ${how}`, plan };
  }
  const labels = image.Config?.Labels ?? {};
  const id = image.Id;
  if (labels[LABEL.standIn] !== "true") return { name, status: "present", id, detail: `present (${shortImageId(id)})`, plan };
  if (plan && labels[LABEL.recipe] !== standInRecipeHash(plan)) {
    return { name, status: "outdated-stand-in", id, detail: "stand-in from an older recipe: lab-grader setup rebuilds it", plan };
  }
  return { name, status: "stand-in", id, detail: `stand-in (${shortImageId(id)}): ${labels[LABEL.builtFrom] ?? ""}`, plan };
}

export interface EnsureBaseImagesOptions {
  /** Try `docker pull` before building a stand-in. */
  pull: boolean;
  pullTimeoutMs: number;
}

/** Makes every image present: keeps what is there, pulls, else builds a stand-in. Returns the final states. */
export async function ensureBaseImages(
  engine: Engine,
  names: string[],
  options: EnsureBaseImagesOptions,
  report: (line: string) => void,
): Promise<BaseImageState[]> {
  const states = await Promise.all(names.map((name) => baseImageState(engine, name)));
  const toBuild = new Map<string, { plan: StandInPlan; names: string[] }>();
  for (const state of states) {
    if (isReady(state)) {
      report(`image ${state.name}: ${state.detail}`);
      continue;
    }
    if (state.status === "missing" && options.pull) {
      const pulled = await tryPull(engine, state.name, options.pullTimeoutMs);
      if (pulled === true) {
        report(`image ${state.name}: pulled`);
        continue;
      }
      report(`image ${state.name}: cannot pull (${pulled})`);
    }
    if (!state.plan) {
      throw new UserFacingError(
        `image ${state.name}: missing, cannot be pulled here, and lab-grader has no offline stand-in recipe for it. ` +
          `Load it into the engine (docker load / docker pull on a connected machine) or remove it from the lab spec's baseImages.`,
        ExitCode.notReady,
      );
    }
    const key = standInKey(state.plan);
    const entry = toBuild.get(key) ?? { plan: state.plan, names: [] };
    entry.names.push(state.name);
    toBuild.set(key, entry);
  }
  for (const { plan, names: group } of toBuild.values()) {
    await buildStandIn(engine, plan, group, report);
    for (const name of group) report(`image ${name}: stand-in built`);
  }
  // The stand-ins the new ones replaced, now untagged: removed unless something still stands on them.
  for (const state of states) {
    if (state.status === "outdated-stand-in" && state.id)
      await engine.docker
        .getImage(state.id)
        .remove()
        .catch(() => undefined);
  }
  return Promise.all(names.map((name) => baseImageState(engine, name)));
}

/** true, or the reason the pull failed. */
async function tryPull(engine: Engine, name: string, timeoutMs: number): Promise<true | string> {
  const controller = new AbortController();
  try {
    await withTimeout(
      (async () => {
        const stream = (await engine.docker.pull(name, { abortSignal: controller.signal })) as unknown as Readable;
        for await (const message of readJsonLines(stream)) {
          const m = message as { error?: string; errorDetail?: { message?: string } };
          if (m.error || m.errorDetail) throw new Error(m.errorDetail?.message ?? m.error);
        }
      })(),
      timeoutMs,
      `no answer within ${timeoutMs / 1000} s`,
    );
    return true;
  } catch (error) {
    controller.abort();
    return engineErrorText(error).split("\n")[0];
  }
}
