import path from "node:path/posix";
import type Dockerode from "dockerode";
import type { DockerfileFacts, StageFacts, StageStep } from "../dockerfile/analyze";
import { withImageFiles, type ImageFiles } from "./image-files";
import { historyIndexOfLayer, introducingLayer, readExportForPath } from "./image-export";
import { isCopyEntry } from "./image-history";
import { copyLanding, landingCovers } from "./copy-landing";

export type PathOrigin =
  /** A COPY --from=<earlier stage> step of the final stage brought it in. */
  | "copied-from-stage"
  /** COPY --from=<some image>, not a stage of this Dockerfile. */
  | "copied-from-image"
  /** A COPY/ADD from the build context (committed with the submission). */
  | "copied-from-context"
  /** Created by a RUN step of the final stage. */
  | "created-in-final-stage"
  /** Already in the image the final stage starts FROM. */
  | "inherited-from-base";

/** Which step of the Dockerfile brought a path into the final image. */
export interface PathProvenance {
  /** Absent only when the grader could not tell. */
  origin?: PathOrigin;
  /** The instruction, as written (e.g. "COPY --from=builder /app/venv /app/venv"). */
  introducedBy?: string;
  /** Its line in the Dockerfile. */
  introducedAt?: number;
  /** For `copied-from-stage`: the stage it was copied from (its name lower-cased, as Docker treats stage names). */
  fromStage?: { index: number; name?: string };
}

/** What the grader knows besides the image: the Dockerfile's text and the build context's files. */
export interface BuildSources {
  dockerfile: DockerfileFacts;
  dockerfileLines: string[];
  /** Paths of the build context, relative to its root. */
  contextEntries: string[];
  labels: Record<string, string>;
}

/** A step of the final stage that could have put the path where it is, or the stage's base. */
interface Introducer {
  origin: PathOrigin;
  /** The Dockerfile line: the step's, or the final stage's FROM for its base. */
  line: number;
}

/**
 * Which step of the final stage brought `target` (a path in the final image) in — from data every engine and
 * image store provide alike: the Dockerfile's syntax tree, the files of the final image and of its base image,
 * and, when more than one step could have, the image's own layers and history (see docs/engines.md).
 */
export async function pathProvenance(
  docker: Dockerode,
  imageId: string,
  target: string,
  files: ImageFiles,
  sources: BuildSources,
): Promise<PathProvenance> {
  const stages = sources.dockerfile.stages;
  const final = stages[stages.length - 1];
  const possible: Introducer[] = [];
  // FROM an earlier stage: that stage's files may hold it; FROM an image: look.
  if (final.baseStageIndex !== undefined || (await baseImageHas(docker, final.baseImage, target, sources.labels))) {
    possible.push({ origin: "inherited-from-base", line: final.line });
  }
  for (const step of final.steps) {
    if (step.keyword === "RUN") possible.push({ origin: "created-in-final-stage", line: step.line });
    else if (step.copy && (await copyCanPlace(step, target, files, sources.contextEntries))) {
      possible.push({ origin: copyOrigin(step), line: step.line });
    }
  }
  const describe = (introducer: Introducer): PathProvenance => {
    const stageIndex = final.steps.find((step) => step.line === introducer.line)?.copy?.stageIndex;
    return {
      origin: introducer.origin,
      introducedBy: (sources.dockerfileLines[introducer.line - 1] ?? "").trim().slice(0, 300),
      introducedAt: introducer.line,
      ...(introducer.origin === "copied-from-stage" && stageIndex !== undefined
        ? { fromStage: { index: stageIndex, ...(stages[stageIndex]?.name ? { name: stages[stageIndex].name } : {}) } }
        : {}),
    };
  };
  if (possible.length === 1) return describe(possible[0]);
  const introducer = await introducerFromLayers(docker, imageId, target, final);
  return introducer ? describe(introducer) : {};
}

/**
 * Several steps could have brought the path in: the image's layers say which did. The lowest layer that has it
 * (after any that deleted it) is the step's; the config's history maps layers to instructions, and the
 * final stage's instructions are its last entries (a classic build ends with one more, for the build's labels).
 */
async function introducerFromLayers(docker: Dockerode, imageId: string, target: string, final: StageFacts): Promise<Introducer | undefined> {
  const exported = await readExportForPath(docker, imageId, target);
  const layer = introducingLayer(exported.layers);
  const entry = layer === undefined ? undefined : historyIndexOfLayer(exported.history, layer);
  if (entry === undefined) return undefined;
  const history = exported.history;
  const last = history[history.length - 1]?.created_by ?? "";
  const trailing = /LABEL "?org\.lab-grader\./.test(last) && final.steps[final.steps.length - 1]?.keyword !== "LABEL" ? 1 : 0;
  const firstOfStage = history.length - trailing - final.steps.length;
  if (entry < firstOfStage) return { origin: "inherited-from-base", line: final.line };
  const step = final.steps[entry - firstOfStage];
  // The history entry must be the kind of instruction the Dockerfile has there, or the mapping is off.
  if (!step || Boolean(step.copy) !== isCopyEntry({ createdBy: history[entry].created_by ?? "", size: 0 })) return undefined;
  if (step.copy) return { origin: copyOrigin(step), line: step.line };
  return step.keyword === "RUN" ? { origin: "created-in-final-stage", line: step.line } : undefined;
}

const baseImageLookups = new WeakMap<Dockerode, Map<string, Promise<boolean>>>();

/** Whether the base image has `target`; asked once per base image and path in a run (classes share both). */
function baseImageHas(docker: Dockerode, image: string, target: string, labels: Record<string, string>): Promise<boolean> {
  if (image === "scratch") return Promise.resolve(false);
  let lookups = baseImageLookups.get(docker);
  if (!lookups) baseImageLookups.set(docker, (lookups = new Map()));
  const key = `${image}\n${target}`;
  let answer = lookups.get(key);
  if (!answer) {
    answer = withImageFiles(docker, image, labels, (files) => files.exists(target)).catch(() => false);
    lookups.set(key, answer);
  }
  return answer;
}

/**
 * Whether a COPY/ADD could have written `target`: where it landed covers it, and — for a copy from the build
 * context — the context holds a file of that name at all.
 */
async function copyCanPlace(step: StageStep, target: string, files: ImageFiles, contextEntries: string[]): Promise<boolean> {
  if (!step.copy!.from && !contextEntries.some((entry) => path.basename(entry) === path.basename(target))) return false;
  return landingCovers(await copyLanding(step.copy!, files), target);
}

function copyOrigin(step: StageStep): PathOrigin {
  const copy = step.copy!;
  if (!copy.from) return "copied-from-context";
  return copy.stageIndex === undefined ? "copied-from-image" : "copied-from-stage";
}
