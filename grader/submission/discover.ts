import { readdirSync } from "node:fs";
import path from "node:path";
import { ExitCode, UserFacingError } from "../common/exit-codes";

export interface Submission {
  /** The directory's name, verbatim (any Unicode, quotes, spaces). */
  id: string;
  dir: string;
  /** Identifies the exact input graded (see grading/result-cache.ts); set when results are cached. */
  key?: string;
  /** Why the submission cannot be read at all (e.g. a refused archive): it is graded 0 with this message. */
  problem?: string;
}

/** A student's archive from an LMS bulk download; its id is the file name without `.zip`. */
export interface ArchiveEntry {
  id: string;
  file: string;
}

export interface SkippedEntry {
  name: string;
  reason: string;
}

/** Each directory directly under `root` is one submission; anything else is listed as skipped, with why. */
export function discoverSubmissions(root: string): { submissions: Submission[]; archives: ArchiveEntry[]; skipped: SkippedEntry[] } {
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    throw new UserFacingError(`submissions directory ${root}: cannot read it (${(error as Error).message})`, ExitCode.usage);
  }
  const submissions: Submission[] = [];
  const archives: ArchiveEntry[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) skipped.push({ name: entry.name, reason: "hidden entry" });
    else if (entry.isSymbolicLink()) skipped.push({ name: entry.name, reason: "a symbolic link, not followed" });
    else if (entry.isDirectory()) submissions.push({ id: entry.name, dir: path.join(root, entry.name) });
    else if (entry.isFile() && /\.zip$/i.test(entry.name))
      archives.push({ id: entry.name.replace(/\.zip$/i, ""), file: path.join(root, entry.name) });
    else skipped.push({ name: entry.name, reason: "neither a directory nor a .zip archive" });
  }
  // A folder and an archive with the same id: the folder is graded, the archive said to be skipped.
  const kept = archives.filter((a) => {
    const clash = submissions.some((s) => s.id === a.id);
    if (clash) skipped.push({ name: path.basename(a.file), reason: `a directory named ${a.id} is graded instead` });
    return !clash;
  });
  submissions.sort((a, b) => compareIds(a.id, b.id));
  kept.sort((a, b) => compareIds(a.id, b.id));
  skipped.sort((a, b) => compareIds(a.name, b.name));
  return { submissions, archives: kept, skipped };
}

/** Stable order independent of locale: by code point. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
