import { createGunzip } from "node:zlib";
import { PassThrough, type Readable } from "node:stream";
import type Dockerode from "dockerode";
import tarStream from "tar-stream";

/** One layer of an exported image, as far as one path is concerned. */
export interface LayerPathFacts {
  /** The layer has the path. */
  has: boolean;
  /** The layer deletes the path or a directory above it (a whiteout or an opaque directory). */
  removes: boolean;
}

export interface ExportedImage {
  /** The image config's history, oldest first, with empty_layer as the builder recorded it. */
  history: { created_by?: string; empty_layer?: boolean }[];
  /** Per layer, bottom first. */
  layers: LayerPathFacts[];
}

const MAX_JSON_BYTES = 4 * 1024 * 1024;

/**
 * Reads an image export (`docker save`, either Docker's legacy layout or OCI's) once, as a stream: its config
 * and, for each layer, whether it adds or deletes `target` (an absolute path). Layers may be plain tar or gzip
 * (the containerd store keeps layers it built compressed).
 */
export async function readExportForPath(docker: Dockerode, image: string, target: string): Promise<ExportedImage> {
  const wanted = target.replace(/^\/+/, "");
  const outer = tarStream.extract();
  const json = new Map<string, string>();
  const layerFacts = new Map<string, LayerPathFacts>();
  const done = new Promise<void>((resolve, reject) => {
    outer.on("entry", (header, entry, next) => {
      if (header.type !== "file") {
        entry.on("end", next);
        entry.resume();
        return;
      }
      classify(entry as unknown as Readable).then(({ kind, stream }) => {
        if (kind === "json" && (header.size ?? 0) <= MAX_JSON_BYTES) {
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            json.set(header.name, Buffer.concat(chunks).toString("utf8"));
            next();
          });
        } else if (kind === "tar" || kind === "gzip") {
          scanLayer(kind === "gzip" ? stream.pipe(createGunzip()) : stream, wanted).then((facts) => {
            layerFacts.set(header.name, facts);
            next();
          }, reject);
        } else {
          stream.on("end", next);
          stream.resume();
        }
      }, reject);
    });
    outer.on("finish", resolve);
    outer.on("error", reject);
  });
  const source = (await docker.getImage(image).get()) as unknown as Readable;
  source.on("error", (error) => outer.destroy(error));
  source.pipe(outer);
  await done;
  const manifest = JSON.parse(json.get("manifest.json") ?? "[]") as { Config?: string; Layers?: string[] }[];
  const entry = manifest[0];
  const config = entry?.Config ? json.get(entry.Config) : undefined;
  if (!entry?.Layers || !config) throw new Error(`the export of ${image} has no manifest or config`);
  const history = (JSON.parse(config) as { history?: ExportedImage["history"] }).history ?? [];
  return { history, layers: entry.Layers.map((name) => layerFacts.get(name) ?? { has: false, removes: false }) };
}

/** Peeks at an entry's first bytes: a JSON document, a tar, a gzip stream, or something else. */
function classify(entry: Readable): Promise<{ kind: "json" | "tar" | "gzip" | "other"; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const head: Buffer[] = [];
    let size = 0;
    const stream = new PassThrough();
    const finish = (ended: boolean): void => {
      entry.off("data", onData);
      entry.off("end", onEnd);
      entry.pause();
      const first = Buffer.concat(head);
      stream.write(first);
      if (ended) stream.end();
      else entry.pipe(stream);
      resolve({ kind: kindOf(first), stream });
    };
    const onData = (chunk: Buffer): void => {
      head.push(chunk);
      size += chunk.length;
      if (size >= 512) finish(false);
    };
    const onEnd = (): void => finish(true);
    entry.on("data", onData);
    entry.on("end", onEnd);
    entry.on("error", reject);
  });
}

function kindOf(first: Buffer): "json" | "tar" | "gzip" | "other" {
  if (first[0] === 0x1f && first[1] === 0x8b) return "gzip";
  if (first.subarray(257, 262).toString() === "ustar") return "tar";
  const text = first.subarray(0, 1).toString();
  return text === "{" || text === "[" ? "json" : "other";
}

function scanLayer(stream: Readable, wanted: string): Promise<LayerPathFacts> {
  const facts: LayerPathFacts = { has: false, removes: false };
  const parts = wanted.split("/");
  // The whiteouts that delete `wanted`: .wh.<name> beside it or beside a directory above it, or an opaque
  // marker inside a directory above it.
  const whiteouts = new Set<string>();
  for (let i = 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i - 1).join("/");
    whiteouts.add(`${dir ? `${dir}/` : ""}.wh.${parts[i - 1]}`);
    if (i < parts.length) whiteouts.add(`${parts.slice(0, i).join("/")}/.wh..wh..opq`);
  }
  const inner = tarStream.extract();
  return new Promise((resolve, reject) => {
    inner.on("entry", (header, entry, next) => {
      const name = header.name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
      if (name === wanted) facts.has = true;
      if (whiteouts.has(name)) facts.removes = true;
      entry.on("end", next);
      entry.resume();
    });
    inner.on("finish", () => resolve(facts));
    inner.on("error", reject);
    stream.on("error", reject);
    stream.pipe(inner);
  });
}

/** The index of the layer that brought `target` in to stay: the lowest one after the last that deleted it. */
export function introducingLayer(layers: LayerPathFacts[]): number | undefined {
  let introducer: number | undefined;
  layers.forEach((layer, i) => {
    if (layer.removes) introducer = undefined;
    if (layer.has && introducer === undefined) introducer = i;
  });
  return introducer;
}

/** The history entry that made layer `layer` (entries marked empty_layer made none). */
export function historyIndexOfLayer(history: ExportedImage["history"], layer: number): number | undefined {
  let seen = -1;
  for (let i = 0; i < history.length; i++) {
    if (history[i].empty_layer) continue;
    if (++seen === layer) return i;
  }
  return undefined;
}
