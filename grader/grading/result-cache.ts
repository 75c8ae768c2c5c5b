import { createHash, type Hash } from "node:crypto";
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, readlinkSync } from "node:fs";
import { atomicWrite } from "../common/atomic-write";
import path from "node:path";
import { packageVersion } from "../common/package-path";
import type { SubmissionGrade } from "../report/grades";
import { CONTEXT_LIMITS } from "../submission/context";

interface CacheEntry {
  id: string;
  key: string;
  grade: SubmissionGrade;
}

/**
 * What makes a grade reusable: the submission's files (names, types, contents, link targets — links are never
 * followed), the lab spec and its Jest file, the grader version and the --builder asked for. Any change means grading again.
 */
export function submissionKey(dir: string, labFiles: string[], builder?: string): string {
  const hash = createHash("sha256").update(`lab-grader ${packageVersion()}\n`);
  if (builder) hash.update(`builder ${builder}\n`);
  for (const file of labFiles) hash.update(`lab ${path.basename(file)}\n`).update(readFileSync(file));
  let entries = 0;
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      if (++entries > CONTEXT_LIMITS.maxEntries) return;
      const child = relative ? `${relative}/${name}` : name;
      const full = path.join(dir, child);
      const stats = lstatSync(full);
      if (stats.isSymbolicLink()) hash.update(`link ${child} -> ${readlinkSync(full)}\n`);
      else if (stats.isDirectory()) {
        hash.update(`dir ${child}\n`);
        walk(child);
      } else if (stats.isFile() && stats.size <= CONTEXT_LIMITS.maxBytes) {
        hash.update(`file ${child} ${stats.size} ${stats.mode & 0o111 ? "x" : "-"}\n`);
        hashFileInto(hash, full);
      } else hash.update(`other ${child} ${stats.size}\n`);
    }
  };
  walk("");
  return hash.digest("hex");
}

/** Streams a file into the hash in fixed chunks (never whole in memory), without following a swapped-in link. */
function hashFileInto(hash: Hash, file: string): void {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

/** Grades kept under `<out>/cache/`, one file per submission, written atomically as each one finishes. */
export class ResultCache {
  private readonly dir: string;

  constructor(outDir: string) {
    this.dir = path.join(outDir, "cache");
  }

  private file(id: string): string {
    return path.join(this.dir, `${createHash("sha256").update(id).digest("hex").slice(0, 32)}.json`);
  }

  write(key: string, grade: SubmissionGrade): void {
    mkdirSync(this.dir, { recursive: true });
    const entry: CacheEntry = { id: grade.id, key, grade };
    atomicWrite(this.file(grade.id), JSON.stringify(entry));
  }

  /** The cached grade of `id`; with `key`, only when it was made from exactly that input. */
  read(id: string, key?: string): SubmissionGrade | undefined {
    try {
      const entry = JSON.parse(readFileSync(this.file(id), "utf8")) as CacheEntry;
      if (entry.id !== id || (key !== undefined && entry.key !== key)) return undefined;
      return entry.grade;
    } catch {
      return undefined;
    }
  }
}
