import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import yauzl from "yauzl";
import { compareIds, type ArchiveEntry, type Submission } from "./discover";

export const ARCHIVE_LIMITS = { maxEntries: 10_000, maxBytes: 200 * 1024 * 1024, maxDepth: 3 };

export type Extracted = { ok: true; root: string } | { ok: false; message: string };

class Refused extends Error {}

/**
 * Unpacks a student's archive (as LMS bulk downloads deliver them) into a new folder under `into`, and finds
 * the submission's root: a single top-level folder is stepped into, and a single zip inside is unpacked in turn
 * (up to 3 levels). The archive is refused — a message, never a crash — when an entry would land outside the
 * target (`..`, an absolute path), is a symbolic link, or when it holds more than the entry or byte caps
 * (counted while writing, not taken from the archive's headers).
 */
export async function extractSubmissionArchive(zipFile: string, into: string, depth = 1): Promise<Extracted> {
  const target = await mkdtemp(path.join(into, "x-"));
  try {
    await extractZip(zipFile, target);
  } catch (error) {
    // A refused archive may have written up to the byte cap already; none of it is graded, so none is kept.
    await rm(target, { recursive: true, force: true });
    if (error instanceof Refused) return { ok: false, message: `${path.basename(zipFile)}: ${error.message}` };
    return { ok: false, message: `${path.basename(zipFile)} cannot be unpacked: ${(error as Error).message}` };
  }
  let root = target;
  for (;;) {
    const entries = (await readdir(root)).filter((name) => name !== "__MACOSX" && name !== ".DS_Store");
    if (entries.length !== 1) return { ok: true, root };
    const only = path.join(root, entries[0]);
    const info = await stat(only);
    if (info.isDirectory()) root = only;
    else if (entries[0].toLowerCase().endsWith(".zip")) {
      if (depth >= ARCHIVE_LIMITS.maxDepth)
        return { ok: false, message: `${path.basename(zipFile)}: archives nested more than ${ARCHIVE_LIMITS.maxDepth} deep` };
      return extractSubmissionArchive(only, into, depth + 1);
    } else return { ok: true, root };
  }
}

function extractZip(zipFile: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error("unreadable archive"));
      let entries = 0;
      let bytes = 0;
      const fail = (error: Error): void => {
        zip.close();
        reject(error instanceof Refused || !/fileName|path/.test(error.message) ? error : new Refused(`refused: ${error.message}`));
      };
      zip.on("error", fail);
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        if (++entries > ARCHIVE_LIMITS.maxEntries) return fail(new Refused(`refused: more than ${ARCHIVE_LIMITS.maxEntries} entries`));
        const name = entry.fileName;
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (mode === 0o120000) return fail(new Refused(`refused: ${name} is a symbolic link`));
        const destination = path.resolve(target, name);
        if (destination !== target && !destination.startsWith(target + path.sep))
          return fail(new Refused(`refused: ${name} would land outside the submission`));
        if (name.endsWith("/")) {
          mkdir(destination, { recursive: true }).then(() => zip.readEntry(), fail);
          return;
        }
        mkdir(path.dirname(destination), { recursive: true }).then(() => {
          zip.openReadStream(entry, (streamError, stream) => {
            if (streamError || !stream) return fail(streamError ?? new Error(`cannot read ${name}`));
            // "wx": never overwrite, never write through an existing link. Only the executable bit is kept
            // from the archive (a student's entrypoint.sh must stay runnable); never setuid or world-writable.
            const executable = (entry.externalFileAttributes >>> 16) & 0o111;
            const out = createWriteStream(destination, { flags: "wx", mode: executable ? 0o755 : 0o644 });
            stream.on("data", (chunk: Buffer) => {
              bytes += chunk.length;
              if (bytes > ARCHIVE_LIMITS.maxBytes) {
                stream.destroy();
                out.destroy();
                fail(new Refused(`refused: it unpacks to more than ${ARCHIVE_LIMITS.maxBytes / 1024 ** 2} MiB`));
              }
            });
            stream.on("error", fail);
            out.on("error", fail);
            out.on("finish", () => zip.readEntry());
            stream.pipe(out);
          });
        }, fail);
      });
      zip.readEntry();
    });
  });
}

/** Unpacks every archive into `into`; one that is refused becomes a submission graded 0 with the reason. */
export async function unpackArchiveSubmissions(archives: ArchiveEntry[], into: string): Promise<Submission[]> {
  const submissions: Submission[] = [];
  for (const archive of archives) {
    const extracted = await extractSubmissionArchive(archive.file, into);
    submissions.push(
      extracted.ok
        ? { id: archive.id, dir: extracted.root }
        : { id: archive.id, dir: await mkdtemp(path.join(into, "refused-")), problem: extracted.message },
    );
  }
  return submissions.sort((a, b) => compareIds(a.id, b.id));
}
