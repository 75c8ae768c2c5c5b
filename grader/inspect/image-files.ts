import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import tarStream from "tar-stream";

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  linkTarget: string;
}

/**
 * Reads an image's files without running anything in it: a created (never started) container and the engine's
 * archive API. Works on images with no shell. Call close() to remove the container.
 */
export class ImageFiles {
  private constructor(private readonly container: Dockerode.Container) {}

  static async open(docker: Dockerode, image: string, labels: Record<string, string>): Promise<ImageFiles> {
    const container = await docker.createContainer({
      Image: image,
      // Never started; an entrypoint is set only because the engine refuses to create a container without a command.
      Entrypoint: ["/lab-grader-never-started"],
      Labels: labels,
      NetworkDisabled: true,
    });
    return new ImageFiles(container);
  }

  /** The engine's stat of `path` (links not followed for the last component), or undefined when it does not exist. */
  async stat(path: string): Promise<PathStat | undefined> {
    try {
      const response = (await this.container.infoArchive({ path })) as unknown as IncomingMessage;
      response.resume();
      const header = response.headers["x-docker-container-path-stat"];
      if (typeof header !== "string") return undefined;
      return JSON.parse(Buffer.from(header, "base64").toString("utf8")) as PathStat;
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  /** The first `maxBytes` of a regular file, or undefined when it does not exist or is not a regular file. */
  async readFile(path: string, maxBytes = 64 * 1024): Promise<Buffer | undefined> {
    let content: Buffer | undefined;
    const found = await this.eachArchiveEntry(path, (header, entry, next) => {
      if (content !== undefined || header.type !== "file") return false;
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on("data", (chunk: Buffer) => {
        if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
        size += chunk.length;
      });
      entry.on("end", () => {
        content = Buffer.concat(chunks);
        next();
      });
      return true;
    });
    return found ? content : undefined;
  }

  /**
   * What the files at or under `path` take (a hard link counts once), from the engine's archive of it; 0 when
   * nothing is there. In "bytes", the regular files' sizes; in "blocks", the disk space they and the directories
   * take in 4 KiB blocks, as a disk-usage count of the same tree (how the containerd store sizes its layers).
   */
  async treeBytes(path: string, unit: LayerUnit = "bytes"): Promise<number> {
    let bytes = 0;
    await this.eachArchiveEntry(path, (header) => {
      if (header.type === "file") bytes += inLayerUnit(header.size ?? 0, unit);
      else if (header.type === "directory" && unit === "blocks") bytes += BLOCK_BYTES;
      return false;
    });
    return bytes;
  }

  /**
   * Streams the engine's tar archive of `path` through `onEntry`, which returns true when it consumes the entry
   * itself (and calls next); other entries are skipped. False when nothing is at `path`.
   */
  private async eachArchiveEntry(path: string, onEntry: (header: tarStream.Header, entry: Readable, next: () => void) => boolean): Promise<boolean> {
    let stream: Readable;
    try {
      stream = (await this.container.getArchive({ path })) as unknown as Readable;
    } catch (error) {
      if (isAbsent(error)) return false;
      throw error;
    }
    const extract = tarStream.extract();
    await new Promise<void>((resolve, reject) => {
      extract.on("entry", (header, entry, next) => {
        if (onEntry(header, entry as unknown as Readable, next)) return;
        entry.on("end", next);
        entry.resume();
      });
      extract.on("finish", resolve);
      extract.on("error", reject);
      stream.on("error", reject);
      stream.pipe(extract);
    });
    return true;
  }

  async close(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * 404, or the engine's 500 for a path that runs through a regular file ("/x/pyvenv.cfg" where /x is a file):
 * either way there is nothing at that path.
 */
function isAbsent(error: unknown): boolean {
  const e = error as { statusCode?: number; message?: string; json?: { message?: string } };
  return e.statusCode === 404 || /not a directory/i.test(`${e.json?.message ?? ""} ${e.message ?? ""}`);
}

/** Opens the image's files, runs `use`, and always removes the helper container. */
export async function withImageFiles<T>(
  docker: Dockerode,
  image: string,
  labels: Record<string, string>,
  use: (files: ImageFiles) => Promise<T>,
): Promise<T> {
  const files = await ImageFiles.open(docker, image, labels);
  try {
    return await use(files);
  } finally {
    await files.close();
  }
}

/** How an image store counts a layer's size: its files' bytes (Docker's graph drivers) or disk blocks (containerd). */
export type LayerUnit = "bytes" | "blocks";

const BLOCK_BYTES = 4096;

/** A regular file's size as a store counting in `unit` counts it. */
export function inLayerUnit(size: number, unit: LayerUnit): number {
  return unit === "blocks" ? Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES : size;
}
