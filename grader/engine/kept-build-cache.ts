import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type Dockerode from "dockerode";
import { atomicWrite } from "../common/atomic-write";
import { stateDir } from "../common/state-dir";
import { addedRecords, cacheRecords, engineTime, parentsOf, pruneRecord, type CacheMark, type CacheRecord } from "./buildkit-cache";

/**
 * The part of an engine's BuildKit cache the grader keeps between runs: the layers of steps (RUN, COPY) that a
 * later build with the same parent, command and files reuses — a student's second `check`, an instructor's
 * regrade, the reference. Records only the run itself can use are removed when it ends (see `settleRunCache`),
 * and the rest is held to a size, least recently used first. What the grader kept is noted per engine under the
 * state directory, so that the grader never trims or cleans a record of the user's own builds: the ids it saw, and
 * each run's time window. The window matters because a RUN step's layer is two records in BuildKit (the mutable
 * one the step wrote and the immutable one it committed, sharing their data), of which the engine lists one at a
 * time: the other id shows later (when a build uses the step, when one builds on it, when the first is pruned),
 * created within the run that built it. See docs/buildkit.md.
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
 * `runOnly`, and notes the rest as kept. A build stopped from outside commits its last records after it has
 * returned, so with `readAgain` (a run where that may have happened, or one that died) the listing is read again,
 * a moment later, until a reading has nothing new; a record that shows later still is within the run's window
 * (kept, and trimmed as such). Returns the bytes removed.
 */
export async function settleRunCache(kept: KeptCache, mark: CacheMark, { readAgain = true, settleMs = 250 } = {}): Promise<number> {
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
    if (!readAgain) break;
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  }
  noteWindow(kept, { since: mark.since.getTime(), until: await engineTime(kept.docker) });
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
 * round, and so does the twin a pruned record leaves listed (see above). Returns what is kept after, and how many
 * records were removed.
 */
export async function trimKeptCache(kept: KeptCache, limitBytes: number, enough?: () => boolean): Promise<KeptSize & { removed: number }> {
  let records = await keptRecords(kept);
  const total = (): number => records.reduce((sum, r) => sum + (r.Size ?? 0), 0);
  // A limit of 0 (clean) keeps nothing, not even the records of no size (a base image's, a WORKDIR's)
  const satisfied = (): boolean => total() <= limitBytes && (limitBytes > 0 || !records.length) && (enough?.() ?? true);
  let removed = 0;
  for (let round = 0; round < 8 && !satisfied(); round++) {
    const refused = new Set<string>();
    const removedBefore = removed;
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
    if (removed === removedBefore) break;
    records = await keptRecords(kept);
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

/**
 * The records the grader keeps on this engine now: those noted, and those created within a run's window (a noted
 * step's twin). Updates the note: adopts the twins, forgets records and windows the engine no longer lists.
 */
export async function keptRecords(kept: KeptCache): Promise<CacheRecord[]> {
  const noted = readNote(kept);
  const ids = new Set(noted.ids);
  const listed = await cacheRecords(kept.docker);
  const windowOf = (r: CacheRecord): KeptWindow | undefined => {
    const created = r.CreatedAt ? new Date(r.CreatedAt).getTime() : NaN;
    return noted.windows.find((w) => created >= w.since && created <= w.until);
  };
  const records = listed.filter((r) => ids.has(r.ID) || windowOf(r));
  const windows = noted.windows.filter((w) => records.some((r) => windowOf(r) === w));
  if (records.length !== ids.size || records.some((r) => !ids.has(r.ID)) || windows.length !== noted.windows.length) {
    // Merged with what another run on this engine noted meanwhile: only what this listing saw is forgotten
    const now = readNote(kept);
    const forgotten = new Set(noted.ids.filter((id) => !listed.some((r) => r.ID === id)));
    writeNote(kept, {
      ids: [...new Set([...now.ids.filter((id) => !forgotten.has(id)), ...records.map((r) => r.ID)])],
      windows: [...windows, ...now.windows.filter((w) => !noted.windows.some((o) => o.since === w.since && o.until === w.until))],
    });
  }
  return records;
}

function lastUsed(record: CacheRecord): number {
  return new Date(record.LastUsedAt ?? record.CreatedAt ?? 0).getTime() || 0;
}

function noteFile(kept: KeptCache): string {
  return path.join(stateDir("build-cache"), `${kept.engineId}.json`);
}

/** A grading run's span on the engine, in ms since the epoch: from its mark to its end. */
interface KeptWindow {
  since: number;
  until: number;
}

interface KeptNote {
  ids: string[];
  windows: KeptWindow[];
}

/** The most windows noted: a run that kept nothing leaves none, so this is reached only by a great many runs. */
const MAX_WINDOWS = 1000;

function readNote(kept: KeptCache): KeptNote {
  try {
    const raw = JSON.parse(readFileSync(noteFile(kept), "utf8")) as { ids?: unknown; windows?: unknown };
    const ids = Array.isArray(raw.ids) ? raw.ids.filter((id): id is string => typeof id === "string") : [];
    const windows = Array.isArray(raw.windows)
      ? raw.windows.filter((w): w is KeptWindow => Number.isFinite(w?.since) && Number.isFinite(w?.until) && w.since <= w.until)
      : [];
    return { ids, windows };
  } catch {
    return { ids: [], windows: [] };
  }
}

function writeNote(kept: KeptCache, note: KeptNote): void {
  atomicWrite(noteFile(kept), JSON.stringify({ ids: note.ids, windows: note.windows.slice(-MAX_WINDOWS) }));
}

/** Adds `ids` to the note, merged with what is noted now: another run on the same engine may have added since. */
function note(kept: KeptCache, ids: string[]): void {
  const now = readNote(kept);
  writeNote(kept, { ...now, ids: [...new Set([...now.ids, ...ids])] });
}

function noteWindow(kept: KeptCache, window: KeptWindow): void {
  const now = readNote(kept);
  writeNote(kept, { ...now, windows: [...now.windows, window] });
}
