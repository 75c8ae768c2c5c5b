import type Dockerode from "dockerode";
import type { DockerfileFacts, StageStep } from "../dockerfile/analyze";
import { finalStageCopyEntries, readImageHistory } from "./image-history";
import type { ImageFiles } from "./image-files";
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

/**
 * The image's size as the grader defines it on every engine: the sum of its layers as the engine's history
 * reports them (on Docker's classic overlay2 store this is `docker image inspect`'s Size), where each
 * `COPY --from` of the final stage counts at least the bytes of what it copied. The containerd image store
 * leaves out of a layer every file identical to the one below it, so `COPY --from=builder / /` from a builder on
 * the same base keeps almost nothing, while the classic store (and every registry such an image is pushed to
 * from it) keeps the whole copy. Counting what was copied gives a bloated answer the same size on both.
 */
export async function measureImageSize(docker: Dockerode, image: string, dockerfile: DockerfileFacts, files: ImageFiles): Promise<ImageSize> {
  const history = await readImageHistory(docker, image);
  let bytes = history.reduce((sum, e) => sum + e.size, 0);
  const finalStage = dockerfile.stages[dockerfile.stages.length - 1];
  const countedCopies: CountedCopy[] = [];
  for (const { step, entry } of (finalStage && finalStageCopyEntries(history, finalStage)) ?? []) {
    if (!step.copy?.from) continue;
    const copied = await copiedBytes(step, files);
    if (copied <= entry.size) continue;
    bytes += copied - entry.size;
    countedCopies.push({ line: step.line, storedBytes: entry.size, countedBytes: copied });
  }
  return { bytes, countedCopies };
}

async function copiedBytes(step: StageStep, files: ImageFiles): Promise<number> {
  const landing = await copyLanding(step.copy!, files);
  if ("directory" in landing) return files.treeBytes(landing.directory);
  return landing.files.reduce((sum, f) => sum + f.size, 0);
}
