import path from "node:path/posix";
import type Dockerode from "dockerode";
import type { BuildStep } from "../engine/build";
import type { DockerfileFacts } from "../dockerfile/analyze";
import { resolveStageReference } from "../dockerfile/analyze";
import { withImageFiles, type ImageFiles } from "./image-files";

export type VenvOrigin =
  /** A COPY --from=<earlier stage> step of the final stage brought it in: what the lab asks for. */
  | "copied-from-stage"
  /** COPY --from=<some image>, not a stage of this Dockerfile. */
  | "copied-from-image"
  /** A COPY/ADD from the build context (a venv committed with the submission). */
  | "copied-from-context"
  /** Created by a RUN step of the final stage. */
  | "created-in-final-stage"
  /** Already in the image the final stage starts FROM. */
  | "inherited-from-base";

export interface VenvFacts {
  /** Directories checked for a pyvenv.cfg, in order. */
  candidates: string[];
  /** The virtualenv found in the final image, if any. */
  path?: string;
  /** Python version from its pyvenv.cfg. */
  pythonVersion?: string;
  /** Path of Flask's __init__.py inside the venv, when Flask is installed there. */
  flaskPath?: string;
  /** Set whenever `path` is. */
  origin?: VenvOrigin;
  /** The engine's echo of the step that introduced the venv (e.g. "COPY --from=builder /app/venv /app/venv"). */
  introducedBy?: string;
}

const MAX_CHAIN = 200;

/**
 * Finds the virtualenv in the final image and how it got there. Where it came from is read from the engine,
 * not the Dockerfile's text: the image parent chain the classic builder committed, step by step; the first
 * image that has the venv is the step that introduced it, its recorded command says COPY or RUN, and the
 * engine's echo of that step names its --from.
 */
export async function inspectVenv(
  docker: Dockerode,
  image: Dockerode.ImageInspectInfo,
  dockerfile: DockerfileFacts,
  steps: BuildStep[],
  labels: Record<string, string>,
): Promise<VenvFacts> {
  const candidates = venvCandidates(dockerfile, image.Config?.Env ?? []);
  const found = await withImageFiles(docker, image.Id, labels, async (files) => {
    for (const dir of candidates) {
      const cfg = await files.readFile(`${dir}/pyvenv.cfg`, 4096);
      if (cfg) return { dir, cfg: cfg.toString("utf8"), flaskPath: await findFlask(files, dir, cfg.toString("utf8")) };
    }
    return undefined;
  });
  if (!found) return { candidates };
  const pythonVersion = /^\s*version(?:_info)?\s*=\s*(\d+\.\d+(?:\.\d+)?)/m.exec(found.cfg)?.[1];
  const provenance = await venvProvenance(docker, image, found.dir, dockerfile, steps, labels);
  return { candidates, path: found.dir, pythonVersion, flaskPath: found.flaskPath, ...provenance };
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
  for (const copy of final?.copiesFrom ?? []) {
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

async function venvProvenance(
  docker: Dockerode,
  finalImage: Dockerode.ImageInspectInfo,
  venv: string,
  dockerfile: DockerfileFacts,
  steps: BuildStep[],
  labels: Record<string, string>,
): Promise<Pick<VenvFacts, "origin" | "introducedBy">> {
  const finalStage = dockerfile.stages[dockerfile.stages.length - 1];
  const finalFromStep = [...steps].reverse().find((s) => /^FROM\s/i.test(s.instruction));
  const baseId = finalFromStep?.imageId;
  // The final image has the venv (the caller found it there); walk its parents while they have it too.
  let introducer = finalImage;
  for (let hops = 0; hops < MAX_CHAIN; hops++) {
    if (baseId && shortId(introducer.Id) === baseId) return { origin: "inherited-from-base", introducedBy: finalFromStep?.instruction };
    if (!introducer.Parent) break;
    const parent = await docker.getImage(introducer.Parent).inspect();
    if (!(await withImageFiles(docker, parent.Id, labels, (files) => files.exists(`${venv}/pyvenv.cfg`)))) break;
    introducer = parent;
  }
  const command = (introducer.ContainerConfig?.Cmd ?? []).join(" ");
  const step = steps.find((s) => s.imageId && s.imageId === shortId(introducer.Id));
  const introducedBy = step?.instruction ?? command.replace(/^\/bin\/sh -c (#\(nop\) )?/, "");
  if (!/#\(nop\)\s+(COPY|ADD)\b/.test(command)) {
    // No parent left with the venv and not a COPY: a RUN of the final stage, or an image without build history.
    return { origin: introducer.Parent ? "created-in-final-stage" : "inherited-from-base", introducedBy };
  }
  const from = step ? /--from[= ](\S+)/i.exec(step.instruction)?.[1] : undefined;
  if (!from) return { origin: "copied-from-context", introducedBy };
  const stageIndex = resolveStageReference(from, dockerfile.stages, finalStage.index);
  return { origin: stageIndex === undefined ? "copied-from-image" : "copied-from-stage", introducedBy };
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
