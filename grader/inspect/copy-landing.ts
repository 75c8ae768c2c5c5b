import path from "node:path/posix";
import type { CopyStepFacts } from "../dockerfile/analyze";
import type { ImageFiles, PathStat } from "./image-files";

/** Where a COPY/ADD put what it copied: named files, or a directory the copied directories were merged into. */
export type CopyLanding = { files: { path: string; size: number }[] } | { directory: string };

/**
 * Reads, from the final image, where a COPY/ADD landed, by Docker's rules: a file source lands at dest/<name>
 * when dest is a directory, else at dest itself; a directory source's contents are merged into dest. Which one
 * a source was is seen in the image: a regular file at dest/<name> (or at dest) means a file.
 */
export async function copyLanding(copy: CopyStepFacts, files: Pick<ImageFiles, "stat">): Promise<CopyLanding> {
  const dest = copy.destination.replace(/(.)\/$/, "$1");
  const atDest = await files.stat(dest);
  if (atDest && !isDirectory(atDest)) return { files: [{ path: dest, size: atDest.size }] };
  const landed: { path: string; size: number }[] = [];
  for (const source of copy.sources) {
    const name = path.basename(source.replace(/\/+$/, ""));
    // A wildcard's matches cannot be told from here: count the whole destination.
    if (!name || /[*?[]/.test(name)) return { directory: dest };
    const file = path.join(dest, name);
    const stat = await files.stat(file);
    if (!stat || isDirectory(stat)) return { directory: dest };
    landed.push({ path: file, size: stat.size });
  }
  return { files: landed };
}

/** Whether the copy could have written `target`. */
export function landingCovers(landing: CopyLanding, target: string): boolean {
  if ("files" in landing) return landing.files.some((f) => f.path === target);
  return target === landing.directory || target.startsWith(landing.directory === "/" ? "/" : `${landing.directory}/`);
}

function isDirectory(stat: PathStat): boolean {
  // Go's os.ModeDir, as the engine reports a path's mode.
  return (stat.mode & 0x80000000) !== 0;
}
