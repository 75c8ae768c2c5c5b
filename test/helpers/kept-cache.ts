import type Dockerode from "dockerode";
import { addedRecords, cacheRecords, type CacheMark, type CacheRecord } from "../../grader/engine/buildkit-cache";
import { keptCacheOf, keptRecords, runOnly } from "../../grader/engine/kept-build-cache";

/**
 * What grading left in the engine's BuildKit cache since `mark`: every record added, those of them that only the
 * run could use (which it must have removed) and those the grader did not note as kept (which it could never trim).
 */
export async function cacheLeftSince(docker: Dockerode, mark: CacheMark): Promise<{ added: CacheRecord[]; runOnly: string[]; notKept: string[] }> {
  const added = addedRecords(await cacheRecords(docker), mark);
  const kept = new Set((await keptRecords(keptCacheOf(docker, await docker.info()))).map((r) => r.ID));
  const describe = (r: CacheRecord) => `${r.Type}: ${r.Description}`;
  return { added, runOnly: added.filter(runOnly).map(describe), notKept: added.filter((r) => !kept.has(r.ID)).map(describe) };
}
