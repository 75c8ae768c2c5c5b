import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ownerIsDead } from "../engine/cleanup";
import { ownerLabel } from "../engine/labels";
import { BUILD_CACHE_MARK_FILE } from "../engine/buildkit-cache";

/**
 * A run's folder under the state directory (`runs/<run id>`) holds what the run and its Jest side share: the run's
 * config, each check's record as it is decided, and the note of BuildKit's cache as the run found it. The grades
 * are in the output folder once written, so the run's folder goes when the run ends; one left by a grader that
 * died goes at a later run, once the note (if any) has been settled by that run's sweep.
 */
const OWNER_FILE = "owner";

/** An older grader's folder (no owner noted) is taken for dead when it has not changed for this long. */
const UNOWNED_AGE_MS = 24 * 3600_000;

/** Makes the run's folder, noting this process as its owner. */
export function makeRunFolder(runDir: string): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, OWNER_FILE), ownerLabel());
}

/** Removes the folder of a run that has ended; kept while it still holds a note of the cache to settle. */
export function removeRunFolder(runDir: string): boolean {
  if (holdsCacheNote(runDir)) return false;
  rmSync(runDir, { recursive: true, force: true });
  return true;
}

/**
 * Removes the folders under `runsDir` of runs whose grader is gone: its owner (on this host) no longer runs, or,
 * for a folder an older grader left without an owner, nothing in it changed for a day. Folders still holding a
 * note of the cache are left for the sweep that settles them. Returns how many were removed.
 */
export function sweepRunFolders(runsDir: string, now = Date.now()): number {
  let removed = 0;
  let runs: string[];
  try {
    runs = readdirSync(runsDir);
  } catch {
    return 0;
  }
  for (const run of runs) {
    const dir = path.join(runsDir, run);
    if (holdsCacheNote(dir) || !isDeadRun(dir, now)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function isDeadRun(dir: string, now: number): boolean {
  try {
    return ownerIsDead(readFileSync(path.join(dir, OWNER_FILE), "utf8").trim());
  } catch {
    try {
      const stat = statSync(dir);
      return stat.isDirectory() && now - stat.mtimeMs > UNOWNED_AGE_MS;
    } catch {
      return false;
    }
  }
}

function holdsCacheNote(dir: string): boolean {
  return existsSync(path.join(dir, BUILD_CACHE_MARK_FILE));
}
