import type Dockerode from "dockerode";
import path from "node:path";
import type { CopyStepFacts, DockerfileFacts, StageStep } from "../dockerfile/analyze";
import { finalStageCopyEntries, readImageHistory } from "./image-history";
import { stageImages, type BuildStep } from "../engine/build";
import { imageStoreKind } from "../engine/engine-kind";
import { inLayerUnit, withImageFiles, type ImageFiles, type LayerUnit } from "./image-files";
import { copyLanding } from "./copy-landing";

/** A COPY --from whose layer the engine's store kept smaller than what it copied. */
export interface CountedCopy {
  line: number;
  /** The bytes the store kept in that step's layer. */
  storedBytes: number;
  /** The bytes the step copied, as counted. */
  countedBytes: number;
}

export interface ImageSize {
  /** What the size check compares: every layer's bytes, a COPY --from counted for all it copied. */
  bytes: number;
  /** The COPY --from steps counted for more than their stored layer (the containerd store). */
  countedCopies: CountedCopy[];
}

/** The image a `COPY --from` reads from: the image its stage ended with, or the image it names; unknown → undefined. */
export type CopySourceImage = (copy: CopyStepFacts) => string | undefined;

/** COPY --from sources from the steps of the build that made the image (none known when it has no steps). */
export function copySourceImage(steps: BuildStep[]): CopySourceImage {
  const stages = stageImages(steps);
  return (copy) => (copy.stageIndex !== undefined ? stages[copy.stageIndex] : copy.from);
}

/**
 * The image's size as the grader defines it on every engine: the sum of its layers as the engine's history
 * reports them (on Docker's classic overlay2 store this is `docker image inspect`'s Size), where each
 * `COPY --from` of the final stage counts at least the bytes of what it copied. The containerd image store
 * leaves out of a layer every file identical to the one below it, so `COPY --from=builder / /` from a builder on
 * the same base keeps almost nothing, while the classic store (and every registry such an image is pushed to
 * from it) keeps the whole copy. Counting what was copied gives a bloated answer the same size on both. Docker's
 * graph drivers keep every copied file in the layer, so there the history alone is the size.
 */
export async function measureImageSize(
  docker: Dockerode,
  image: string,
  dockerfile: DockerfileFacts,
  files: ImageFiles,
  copySource: CopySourceImage,
  labels: Record<string, string>,
): Promise<ImageSize> {
  const history = await readImageHistory(docker, image);
  let bytes = history.reduce((sum, e) => sum + e.size, 0);
  const unit = await layerUnit(docker);
  const countedCopies: CountedCopy[] = [];
  if (unit === "bytes") return { bytes, countedCopies };
  const finalStage = dockerfile.stages[dockerfile.stages.length - 1];
  for (const { step, entry } of (finalStage && finalStageCopyEntries(history, finalStage)) ?? []) {
    if (!step.copy?.from) continue;
    const source = copySource(step.copy);
    // A source image gone already (removed by then) leaves the landing to count.
    const fromSource = source === undefined ? undefined : await sourceBytes(docker, source, step.copy, unit, labels).catch(() => undefined);
    const copied = fromSource ?? (await landedBytes(step, files, unit));
    if (copied <= entry.size) continue;
    bytes += copied - entry.size;
    countedCopies.push({ line: step.line, storedBytes: entry.size, countedBytes: copied });
  }
  return { bytes, countedCopies };
}

/** What the copy's sources hold in the image it copied from; undefined for wildcard sources. */
async function sourceBytes(
  docker: Dockerode,
  image: string,
  copy: CopyStepFacts,
  unit: LayerUnit,
  labels: Record<string, string>,
): Promise<number | undefined> {
  if (copy.sources.some((source) => /[*?[]/.test(source))) return undefined;
  return withImageFiles(docker, image, labels, async (files) => {
    let bytes = 0;
    // A stage's or an image's paths: relative ones start at its root.
    for (const source of copy.sources) bytes += await files.treeBytes(path.posix.resolve("/", source), unit);
    return bytes;
  });
}

/**
 * What landed where the copy wrote, read from the final image, when its source cannot be read: a directory copied
 * into one that already held files counts those too.
 */
async function landedBytes(step: StageStep, files: ImageFiles, unit: LayerUnit): Promise<number> {
  const landing = await copyLanding(step.copy!, files);
  if ("directory" in landing) return files.treeBytes(landing.directory, unit);
  return landing.files.reduce((sum, f) => sum + inLayerUnit(f.size, unit), 0);
}

const layerUnits = new WeakMap<Dockerode, Promise<LayerUnit>>();

/** The containerd store sizes layers by disk usage (blocks); Docker's graph drivers by file bytes. */
function layerUnit(docker: Dockerode): Promise<LayerUnit> {
  let unit = layerUnits.get(docker);
  if (!unit) {
    unit = docker.info().then((info) => (imageStoreKind(info) === "containerd" ? "blocks" : "bytes"));
    layerUnits.set(docker, unit);
  }
  return unit;
}
