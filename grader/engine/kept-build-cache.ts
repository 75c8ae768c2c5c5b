import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type Dockerode from "dockerode";
import { atomicWrite } from "../common/atomic-write";
import { stateDir } from "../common/state-dir";
import { addedRecords, cacheRecords, parentsOf, pruneRecord, type CacheMark, type CacheRecord } from "./buildkit-cache";

/**
 * The part of an engine's BuildKit cache the grader keeps between runs: the layers of steps (RUN, COPY) that a
 * later build with the same parent, command and files reuses — a student's second `check`, an instructor's
 * regrade, the reference. Records only the run itself can use are removed when it ends (see `settleRunCache`),
 * and the rest is held to a size, least recently used first. The ids the grader kept are noted per engine under
 * the state directory, so that the grader never trims or cleans a record of the user's own builds.
 */
export interface KeptCache {
  docker: Dockerode;
  /** The engine's id (`docker info`), which names its note. */
  engineId: string;
}

/**
 * What no later build can use, or no other submission may see: a cache mount's files (a submission's own, see
 * dockerfile/cache-mounts.ts), a build's context as the grader sent it, a frontend's or the engine's internal
 * records. Everything else is a step's layer, found again only by a build with the same key.
 */
export function runOnly(record: CacheRecord): boolean {
  return record.Type !== "regular" || /^http url http:\/\/build-context-/.test(record.Description ?? "");
}

/**
 * At the end of a run (or, for a run that died, when the next one starts): removes what the run added that is
 * `runOnly`, and notes the rest as kept. The engine's listing can show a record a moment late (a build stopped from
 * outside commits its last records after it has returned), so the listing is read again, a moment later, until a
 * reading has nothing new. Returns the bytes removed.
 */
export async function settleRunCache(kept: KeptCache, mark: CacheMark, settleMs = 250): Promise<number> {
  let removed = 0;
  const seen = new Set<string>();
  for (let round = 0; round < 16; round++) {
    const added = addedRecords(await cacheRecords(kept.docker), mark);
    const fresh = added.filter((r) => !seen.has(r.ID));
    if (round > 0 && !fresh.length) break;
    for (const record of fresh) seen.add(record.ID);
    // Run-only records too, until pruned: one the engine refuses to prune now is then trimmed later
    note(
      kept,
      fresh.map((r) => r.ID),
    );
    for (const record of added.filter(runOnly)) {
      if (await pruneRecord(kept.docker, record.ID).catch(() => false)) {
        removed += record.Size ?? 0;
        seen.delete(record.ID);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  }
  return removed;
}

export interface KeptSize {
  records: number;
  bytes: number;
}

/** What the grader keeps on this engine now; forgets the noted records the engine no longer has. */
export async function keptCacheSize(kept: KeptCache): Promise<KeptSize> {
  const records = await keptRecords(kept);
  return { records: records.length, bytes: records.reduce((sum, r) => sum + (r.Size ?? 0), 0) };
}

/**
 * Removes kept records, least recently used first, until they take at most `limitBytes` and `enough` (when
 * given: the engine's disk has the room a run needs) holds. A record another still stands on goes in a later
 * round. Returns what is kept after, and how many records were removed.
 */
export async function trimKeptCache(kept: KeptCache, limitBytes: number, enough?: () => boolean): Promise<KeptSize & { removed: number }> {
  let records = await keptRecords(kept);
  const total = (): number => records.reduce((sum, r) => sum + (r.Size ?? 0), 0);
  const satisfied = (): boolean => total() <= limitBytes && (enough?.() ?? true);
  const refused = new Set<string>();
  let removed = 0;
  while (!satisfied()) {
    const next = [...records].sort((a, b) => lastUsed(a) - lastUsed(b)).find((r) => !r.InUse && !refused.has(r.ID));
    if (!next) break;
    if (!(await pruneRecord(kept.docker, next.ID).catch(() => false))) {
      refused.add(next.ID);
      continue;
    }
    records = records.filter((r) => r.ID !== next.ID);
    removed++;
    // The record it stood on may go now
    for (const parent of parentsOf(next)) refused.delete(parent);
  }
  return { records: records.length, bytes: total(), removed };
}

/** The engine's id as a file name. */
export function keptCacheOf(docker: Dockerode, info: { ID?: string; Name?: string }): KeptCache {
  return {
    docker,
    engineId: createHash("sha256")
      .update(String(info.ID ?? info.Name ?? "engine"))
      .digest("hex")
      .slice(0, 16),
  };
}

/** The records the grader keeps on this engine now. */
export async function keptRecords(kept: KeptCache): Promise<CacheRecord[]> {
  const ids = new Set(keptIds(kept));
  const records = (await cacheRecords(kept.docker)).filter((r) => ids.has(r.ID));
  if (records.length !== ids.size)
    note(
      kept,
      records.map((r) => r.ID),
      true,
    );
  return records;
}

function lastUsed(record: CacheRecord): number {
  return new Date(record.LastUsedAt ?? record.CreatedAt ?? 0).getTime() || 0;
}

function noteFile(kept: KeptCache): string {
  return path.join(stateDir("build-cache"), `${kept.engineId}.json`);
}

function keptIds(kept: KeptCache): string[] {
  try {
    const ids = (JSON.parse(readFileSync(noteFile(kept), "utf8")) as { ids?: unknown }).ids;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Writes the note. Adding merges with what is noted now, as another run on the same engine may have added since
 * it was read; `replace` (forgetting records the engine no longer has) writes `ids` as they are.
 */
function note(kept: KeptCache, ids: string[], replace = false): void {
  const all = replace ? new Set(ids) : new Set([...keptIds(kept), ...ids]);
  atomicWrite(noteFile(kept), JSON.stringify({ ids: [...all] }));
}
