import { closeSync, constants, openSync, readSync } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import dockerignore from "@balena/dockerignore";
import tar from "tar-fs";
import { DOCKERFILE_MAX_BYTES } from "./read-dockerfile";

export const CONTEXT_LIMITS = { maxEntries: 10_000, maxBytes: 200 * 1024 * 1024, maxIgnoreBytes: 64 * 1024 };

export type BuildContext =
  { ok: true; entries: string[]; bytes: number; tar: (options?: ContextTarOptions) => Readable } | { ok: false; message: string };

export interface ContextTarOptions {
  /** 0-based lines of the Dockerfile sent as comments of the same length. */
  blankDockerfileLines?: number[];
  /** The Dockerfile as the engine gets it (after blanking), or undefined to send it as it is. */
  editDockerfile?: (text: string) => string | undefined;
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
    const dockerfile = editedDockerfile(dir, options);
    return tar.pack(dir, {
      ignore: skip,
      dereference: false,
      map: (header) => (dockerfile && header.name === "Dockerfile" ? { ...header, size: dockerfile.length } : header),
      mapStream: (stream, header) => (dockerfile && header.name === "Dockerfile" ? replaced(stream, dockerfile) : stream),
    }) as unknown as Readable;
  };
  return { ok: true, entries, bytes, tar: pack };
}

class ContextTooLarge extends Error {}

/** The Dockerfile the options make of the submission's, or undefined when they leave it as it is. */
function editedDockerfile(dir: string, options: ContextTarOptions): Buffer | undefined {
  const blank = options.blankDockerfileLines ?? [];
  if (!blank.length && !options.editDockerfile) return undefined;
  // A regular file, never through a link, and no more than readSubmissionDockerfile accepted
  const fd = openSync(path.join(dir, "Dockerfile"), constants.O_RDONLY | constants.O_NOFOLLOW);
  let content: Buffer;
  try {
    const buffer = Buffer.alloc(DOCKERFILE_MAX_BYTES + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    if (bytesRead > DOCKERFILE_MAX_BYTES) throw new Error(`the Dockerfile grew past ${DOCKERFILE_MAX_BYTES} bytes while it was graded`);
    content = buffer.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
  if (blank.length) content = blankLines(content, blank);
  const edited = options.editDockerfile?.(content.toString("utf8"));
  return edited === undefined ? content : Buffer.from(edited, "utf8");
}

/** `content` in place of what `stream` would send (which is read to its end and dropped). */
function replaced<T extends NodeJS.ReadableStream>(stream: T, content: Buffer): T {
  return stream.pipe(
    new Transform({
      transform(_chunk, _encoding, done) {
        done();
      },
      flush(done) {
        done(null, content);
      },
    }),
  ) as unknown as T;
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
