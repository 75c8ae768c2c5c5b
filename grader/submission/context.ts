import { constants } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import dockerignore from "@balena/dockerignore";
import tar from "tar-fs";

export const CONTEXT_LIMITS = { maxEntries: 10_000, maxBytes: 200 * 1024 * 1024, maxIgnoreBytes: 64 * 1024 };

export type BuildContext =
  { ok: true; entries: string[]; bytes: number; tar: (options?: ContextTarOptions) => Readable } | { ok: false; message: string };

export interface ContextTarOptions {
  /** 0-based lines of the Dockerfile sent as comments of the same length (so the tar header's size still holds). */
  blankDockerfileLines?: number[];
}

/**
 * The exact build context the Docker CLI would send: the submission's files minus what .dockerignore excludes
 * (the Dockerfile and .dockerignore always go). Symbolic links travel as links and are never followed;
 * the context is capped in entries and bytes.
 */
export async function prepareBuildContext(dir: string): Promise<BuildContext> {
  const ignore = dockerignore().add(await readDockerignore(dir));
  const included = new Set<string>();
  let visited = 0;
  let bytes = 0;
  // Returns whether anything below relativeDir is sent; throws a message when a cap is passed.
  const walk = async (relativeDir: string): Promise<boolean> => {
    let any = false;
    for (const name of (await readdir(path.join(dir, relativeDir))).sort()) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      if (++visited > CONTEXT_LIMITS.maxEntries) {
        throw new ContextTooLarge(`the submission has more than ${CONTEXT_LIMITS.maxEntries} files; add a .dockerignore`);
      }
      const stats = await lstat(path.join(dir, relative));
      const always = relative === "Dockerfile" || relative === ".dockerignore";
      // Descend even into ignored directories: a later `!pattern` may bring files back, as with the Docker CLI.
      const keep = stats.isDirectory() ? (await walk(relative)) || !ignore.ignores(relative) : always || !ignore.ignores(relative);
      if (!keep) continue;
      included.add(relative);
      any = true;
      if (stats.isFile()) bytes += stats.size;
      if (bytes > CONTEXT_LIMITS.maxBytes) {
        throw new ContextTooLarge(`the build context is larger than ${CONTEXT_LIMITS.maxBytes / 1024 ** 2} MiB; add a .dockerignore`);
      }
    }
    return any;
  };
  try {
    await walk("");
  } catch (error) {
    if (error instanceof ContextTooLarge) return { ok: false, message: error.message };
    throw error;
  }
  const entries = [...included];
  const skip = (absolute: string): boolean => !included.has(path.relative(dir, absolute).split(path.sep).join("/"));
  const pack = (options: ContextTarOptions = {}): Readable => {
    const blank = options.blankDockerfileLines ?? [];
    return tar.pack(dir, {
      ignore: skip,
      dereference: false,
      mapStream: (stream, header) =>
        blank.length && header.name === "Dockerfile" ? (stream.pipe(blankingLines(blank)) as unknown as typeof stream) : stream,
    }) as unknown as Readable;
  };
  return { ok: true, entries, bytes, tar: pack };
}

class ContextTooLarge extends Error {}

/** Replaces the given lines with "#" and spaces, byte for byte (the Dockerfile is small: it is read whole). */
function blankingLines(lines: number[]): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
    flush(done) {
      done(null, blankLines(Buffer.concat(chunks), lines));
    },
  });
}

export function blankLines(content: Buffer, lines: number[]): Buffer {
  const out = Buffer.from(content);
  let line = 0;
  let start = 0;
  for (let i = 0; i <= out.length; i++) {
    if (i === out.length || out[i] === 0x0a) {
      if (lines.includes(line)) {
        const end = i > start && out[i - 1] === 0x0d ? i - 1 : i;
        if (end > start) out.fill(0x20, start, end).write("#", start);
      }
      line++;
      start = i + 1;
    }
  }
  return out;
}

async function readDockerignore(dir: string): Promise<string[]> {
  try {
    const handle = await open(path.join(dir, ".dockerignore"), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(CONTEXT_LIMITS.maxIgnoreBytes);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer
        .subarray(0, bytesRead)
        .toString("utf8")
        .split(/\r?\n/)
        .filter((line) => line.trim() && !line.startsWith("#"));
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}
