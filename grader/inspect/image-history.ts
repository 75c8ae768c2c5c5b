import type Dockerode from "dockerode";
import type { StageFacts } from "../dockerfile/analyze";

/** One entry of an image's history: what every engine and builder records for each instruction. */
export interface HistoryEntry {
  createdBy: string;
  /** Bytes of the layer the instruction made, as the engine's store measures it (0 for none). */
  size: number;
}

/** The image's history, oldest first (the engine API lists it newest first). */
export async function readImageHistory(docker: Dockerode, image: string): Promise<HistoryEntry[]> {
  const entries = (await docker.getImage(image).history()) as { CreatedBy?: string; Size?: number }[];
  return entries.map((e) => ({ createdBy: e.CreatedBy ?? "", size: e.Size ?? 0 })).reverse();
}

/**
 * The classic builder records `/bin/sh -c #(nop) COPY dir:… in /dest`, BuildKit `COPY src /dest # buildkit`,
 * Buildah like the classic builder: a COPY or ADD is recognisable on every builder, other instructions are not
 * (a RUN's text is the student's command).
 */
export function isCopyEntry(entry: HistoryEntry): boolean {
  return /^(\/bin\/sh -c #\(nop\)\s+)?(COPY|ADD)\s/.test(entry.createdBy);
}

/**
 * Pairs the final stage's COPY/ADD steps with their history entries: the last N COPY/ADD entries of the image
 * are the final stage's N COPY/ADD instructions, in order (builders add no COPY of their own; the classic
 * builder's trailing LABEL for build labels is not a COPY). Undefined when the history has fewer.
 */
export function finalStageCopyEntries(
  history: HistoryEntry[],
  finalStage: StageFacts,
): { step: StageFacts["steps"][number]; entry: HistoryEntry }[] | undefined {
  const copySteps = finalStage.steps.filter((s) => s.copy);
  const copyEntries = history.filter(isCopyEntry);
  if (copyEntries.length < copySteps.length) return undefined;
  const own = copyEntries.slice(copyEntries.length - copySteps.length);
  return copySteps.map((step, i) => ({ step, entry: own[i] }));
}
