import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type Dockerode from "dockerode";
import { ownerIsDead } from "./cleanup";
import { ownerLabel } from "./labels";

export interface CacheRecord {
  ID: string;
  /** The record this one stands on (`Parents` from API 1.42): read it with parentsOf. */
  Parent?: string;
  Parents?: string[];
  /** How the engine spells `Parents` on the wire: moby's struct tag has a leading space. */
  " Parents"?: string[];
  Type?: string;
  Description?: string;
  InUse?: boolean;
  Size?: number;
  CreatedAt?: string;
  LastUsedAt?: string;
}

/**
 * The engine's BuildKit cache records. Only those are asked for (`type=build-cache`, API 1.42+; older engines
 * ignore it and answer everything): on the containerd store a full `system df` also sizes every image, and fails
 * when a snapshot it lists goes meanwhile.
 */
export async function cacheRecords(docker: Dockerode): Promise<CacheRecord[]> {
  const df = await new Promise<{ BuildCache?: CacheRecord[] | null }>((resolve, reject) =>
    docker.modem.dial(
      { path: "/system/df?", method: "GET", options: { type: "build-cache" }, statusCodes: { 200: true, 500: "server error" } },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as { BuildCache?: CacheRecord[] | null })),
    ),
  );
  return df?.BuildCache ?? [];
}

/** The records `record` stands on. */
export function parentsOf(record: CacheRecord): string[] {
  return [record.Parent, ...(record.Parents ?? []), ...(record[" Parents"] ?? [])].filter((id): id is string => !!id);
}

/** The engine's BuildKit cache as a run found it: the records there, and when. */
export interface CacheMark {
  before: Set<string>;
  since: Date;
}

/**
 * Takes the mark. A record counts as added later only if it is neither listed now nor older than the mark: the
 * engine lists one of a RUN step's two records at a time (see kept-build-cache.ts), so an older record's twin can
 * show later. Times are the engine's (records carry its clock; a remote engine's may differ from this machine's).
 */
export async function takeBuildCacheMark(docker: Dockerode): Promise<CacheMark> {
  const since = new Date((await engineTime(docker)) - 1000);
  return { before: new Set((await cacheRecords(docker)).map((r) => r.ID)), since };
}

/** The engine's clock now, in ms since the epoch (`docker info`'s SystemTime); this machine's if it gives none. */
export async function engineTime(docker: Dockerode): Promise<number> {
  const info = (await docker.info().catch(() => undefined)) as { SystemTime?: string } | undefined;
  const time = info?.SystemTime ? Date.parse(info.SystemTime) : NaN;
  return Number.isFinite(time) ? time : Date.now();
}

/** The ids of the records added since `mark`. */
export async function buildCacheAdded(docker: Dockerode, mark: CacheMark): Promise<string[]> {
  return addedRecords(await cacheRecords(docker), mark).map((r) => r.ID);
}

/** Of `records`, those added since `mark`. */
export function addedRecords(records: CacheRecord[], mark: CacheMark): CacheRecord[] {
  const recent = (r: CacheRecord): boolean => !r.CreatedAt || new Date(r.CreatedAt) >= mark.since;
  return records.filter((r) => !mark.before.has(r.ID) && recent(r));
}

/** The note of a run's mark, in its folder (see grading/run-folders.ts). */
export const BUILD_CACHE_MARK_FILE = "buildkit-cache-before.json";

interface MarkFile {
  owner: string;
  /** The engine the run built on (see kept-build-cache.ts, keptCacheOf): another engine's records are not its. */
  engine?: string;
  since: string;
  before: string[];
}

/**
 * Notes the mark in a run's state directory, for sweepDeadRunsBuildCache should the run die before it prunes what
 * it added. Returns the function that removes the note once it has.
 */
export function markBuildCache(runDir: string, mark: CacheMark, engine: string): () => void {
  const file = path.join(runDir, BUILD_CACHE_MARK_FILE);
  const note: MarkFile = { owner: ownerLabel(), engine, since: mark.since.toISOString(), before: [...mark.before] };
  writeFileSync(file, JSON.stringify(note));
  return () => rmSync(file, { force: true });
}

/**
 * Settles what graders on this host that died (crash, kill -9) added to this engine's BuildKit cache: for each
 * such run's note under `runsDir` that names `engine`, `settle` gets the mark of the records made since it started
 * that it did not find there (by default they are pruned; a grading run keeps what it would have kept, see
 * kept-build-cache.ts). A note that names no engine (an older grader's) is dropped: its records could be any
 * engine's. Returns how many runs.
 */
export async function sweepDeadRunsBuildCache(
  docker: Dockerode,
  runsDir: string,
  engine: string,
  settle: (mark: CacheMark) => Promise<unknown> = (mark) => pruneBuildCacheAdded(docker, mark),
): Promise<number> {
  let swept = 0;
  for (const run of readdirSync(runsDir)) {
    const file = path.join(runsDir, run, BUILD_CACHE_MARK_FILE);
    let note: MarkFile;
    try {
      note = JSON.parse(readFileSync(file, "utf8")) as MarkFile;
    } catch {
      continue;
    }
    if (!ownerIsDead(note.owner) || (note.engine !== undefined && note.engine !== engine)) continue;
    if (note.engine === undefined) {
      rmSync(file, { force: true });
      continue;
    }
    await settle({ before: new Set(note.before), since: new Date(note.since) });
    rmSync(file, { force: true });
    swept++;
  }
  return swept;
}

/**
 * Removes the BuildKit cache records added since `mark` — what a run's BuildKit builds added (their steps' layers
 * and mounts' caches). The images in the engine's image store, the lab's base images among them, are not build
 * cache and stay. The engine takes one id per prune request, and keeps a record while a newer one stands on it,
 * so it goes round until nothing more goes. Returns the bytes reclaimed.
 */
export async function pruneBuildCacheAdded(docker: Dockerode, mark: CacheMark): Promise<number> {
  let reclaimed = 0;
  for (let round = 0; round < 64; round++) {
    const added = await buildCacheAdded(docker, mark);
    if (!added.length) break;
    let removed = 0;
    for (let i = 0; i < added.length; i += 8) {
      const results = await Promise.all(added.slice(i, i + 8).map((id) => pruneOne(docker, id)));
      for (const r of results) {
        removed += r?.CachesDeleted?.length ?? 0;
        reclaimed += r?.SpaceReclaimed ?? 0;
      }
    }
    if (!removed) break;
  }
  return reclaimed;
}
/** Prunes one record; true when the engine removed it (not when a newer record still stands on it). */
export async function pruneRecord(docker: Dockerode, id: string): Promise<boolean> {
  return ((await pruneOne(docker, id))?.CachesDeleted?.length ?? 0) > 0;
}

function pruneOne(docker: Dockerode, id: string): Promise<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number } | undefined> {
  // dockerode's pruneBuilder sends no query options: the request is made as it makes the others
  return new Promise((resolve, reject) =>
    docker.modem.dial(
      { path: "/build/prune?", method: "POST", options: { all: true, filters: { id: [id] } }, statusCodes: { 200: true, 500: "server error" } },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as { CachesDeleted?: string[]; SpaceReclaimed?: number })),
    ),
  );
}
