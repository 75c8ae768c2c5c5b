import path from "node:path/posix";
import type Dockerode from "dockerode";
import { copiesFrom, type DockerfileFacts } from "../dockerfile/analyze";
import type { ImageFiles } from "./image-files";
import { pathProvenance, type BuildSources, type PathOrigin } from "./path-provenance";

export interface VenvFacts {
  /** Directories checked for a pyvenv.cfg, in order. */
  candidates: string[];
  /** The virtualenv found in the final image, if any. */
  path?: string;
  /** Python version from its pyvenv.cfg. */
  pythonVersion?: string;
  /** Path of Flask's __init__.py inside the venv, when Flask is installed there. */
  flaskPath?: string;
  /** Where the venv came from; absent only when the grader could not tell. */
  origin?: PathOrigin;
  /** The instruction that brought the venv in, as written (e.g. "COPY --from=builder /app/venv /app/venv"). */
  introducedBy?: string;
  /** Its line in the Dockerfile. */
  introducedAt?: number;
}

/**
 * Finds the virtualenv in the final image and which step of the Dockerfile brought it in (see path-provenance.ts).
 */
export async function inspectVenv(
  docker: Dockerode,
  image: Dockerode.ImageInspectInfo,
  files: ImageFiles,
  sources: BuildSources,
): Promise<VenvFacts> {
  const candidates = venvCandidates(sources.dockerfile, image.Config?.Env ?? []);
  let found: { dir: string; cfg: string } | undefined;
  for (const dir of candidates) {
    const cfg = await files.readFile(`${dir}/pyvenv.cfg`, 4096);
    if (cfg) {
      found = { dir, cfg: cfg.toString("utf8") };
      break;
    }
  }
  if (!found) return { candidates };
  const pythonVersion = /^\s*version(?:_info)?\s*=\s*(\d+\.\d+(?:\.\d+)?)/m.exec(found.cfg)?.[1];
  const flaskPath = await findFlask(files, found.dir, found.cfg);
  const provenance = await pathProvenance(docker, image.Id, `${found.dir}/pyvenv.cfg`, files, sources);
  return { candidates, path: found.dir, pythonVersion, flaskPath, ...provenance };
}

/** Where a venv may be, from the final stage's COPY --from destinations, PATH and CMD/ENTRYPOINT. */
export function venvCandidates(dockerfile: DockerfileFacts, imageEnv: string[]): string[] {
  const final = dockerfile.stages[dockerfile.stages.length - 1];
  const dirs: string[] = [];
  const add = (dir: string | undefined): void => {
    if (dir && dir.startsWith("/")) {
      const clean = path.normalize(dir).replace(/\/$/, "") || "/";
      // The offline stand-ins make /usr/local a venv; on the official images it is not one, so it never counts.
      if (clean !== "/usr/local" && !dirs.includes(clean)) dirs.push(clean);
    }
  };
  const binParent = (entry: string): string | undefined => (/\/bin\/?$/.test(entry) ? path.dirname(entry.replace(/\/$/, "")) : undefined);
  const imagePath = imageEnv.find((e) => e.startsWith("PATH="))?.slice(5) ?? "";
  for (const entry of imagePath.split(":")) if (!entry.startsWith("/usr") && entry !== "/bin" && entry !== "/sbin") add(binParent(entry));
  for (const word of [...(final?.entrypoint ?? []), ...(final?.cmd ?? [])]) {
    if (/^\/.*\/bin\/python[\d.]*$/.test(word)) add(path.dirname(path.dirname(word)));
  }
  for (const copy of final ? copiesFrom(final) : []) {
    add(copy.destination);
    for (const source of copy.sources) add(path.join(copy.destination, path.basename(source)));
    add(path.join(copy.destination, "venv"));
    add(path.join(copy.destination, ".venv"));
  }
  return dirs;
}

async function findFlask(files: ImageFiles, venv: string, cfg: string): Promise<string | undefined> {
  const minor = /^\s*version(?:_info)?\s*=\s*(\d+\.\d+)/m.exec(cfg)?.[1];
  const versions = minor ? [minor] : ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"];
  for (const version of versions) {
    const candidate = `${venv}/lib/python${version}/site-packages/flask/__init__.py`;
    if (await files.exists(candidate)) return candidate;
  }
  return undefined;
}
