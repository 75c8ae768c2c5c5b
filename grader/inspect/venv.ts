import path from "node:path/posix";
import type Dockerode from "dockerode";
import { copiesFrom, type DockerfileFacts, type StageFacts, type StageStep } from "../dockerfile/analyze";
import { withImageFiles, type ImageFiles } from "./image-files";
import { historyIndexOfLayer, introducingLayer, readExportForPath } from "./image-export";
import { isCopyEntry } from "./image-history";
import { copyLanding, landingCovers } from "./copy-landing";

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
  /** Where the venv came from; absent only when the grader could not tell. */
  origin?: VenvOrigin;
  /** The instruction that brought the venv in, as written (e.g. "COPY --from=builder /app/venv /app/venv"). */
  introducedBy?: string;
  /** Its line in the Dockerfile. */
  introducedAt?: number;
}

/** What the grader knows besides the image: the Dockerfile's text and the build context's files. */
export interface VenvSources {
  dockerfile: DockerfileFacts;
  dockerfileLines: string[];
  /** Paths of the build context, relative to its root. */
  contextEntries: string[];
  labels: Record<string, string>;
}

/**
 * Finds the virtualenv in the final image and which step of the Dockerfile brought it in — from data every
 * engine and image store provide alike: the Dockerfile's syntax tree, the files of the final image and of its
 * base image, and, when more than one step could have, the image's own layers and history (see docs/engines.md).
 */
export async function inspectVenv(docker: Dockerode, image: Dockerode.ImageInspectInfo, files: ImageFiles, sources: VenvSources): Promise<VenvFacts> {
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
  const provenance = await venvProvenance(docker, image.Id, `${found.dir}/pyvenv.cfg`, files, sources);
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

/** A step of the final stage that could have put the venv's pyvenv.cfg where it is, or the stage's base. */
interface Introducer {
  origin: VenvOrigin;
  /** The Dockerfile line: the step's, or the final stage's FROM for its base. */
  line: number;
}

async function venvProvenance(
  docker: Dockerode,
  imageId: string,
  target: string,
  files: ImageFiles,
  sources: VenvSources,
): Promise<Pick<VenvFacts, "origin" | "introducedBy" | "introducedAt">> {
  const stages = sources.dockerfile.stages;
  const final = stages[stages.length - 1];
  const possible: Introducer[] = [];
  // FROM an earlier stage: that stage's files may hold it; FROM an image: look.
  if (final.baseStageIndex !== undefined || (await baseImageHas(docker, final.baseImage, target, sources.labels))) {
    possible.push({ origin: "inherited-from-base", line: final.line });
  }
  for (const step of final.steps) {
    if (step.keyword === "RUN") possible.push({ origin: "created-in-final-stage", line: step.line });
    else if (step.copy && (await copyCanPlace(step, target, files, sources.contextEntries))) {
      possible.push({ origin: copyOrigin(step), line: step.line });
    }
  }
  const describe = (introducer: Introducer) => ({
    origin: introducer.origin,
    introducedBy: (sources.dockerfileLines[introducer.line - 1] ?? "").trim().slice(0, 300),
    introducedAt: introducer.line,
  });
  if (possible.length === 1) return describe(possible[0]);
  const introducer = await introducerFromLayers(docker, imageId, target, final);
  return introducer ? describe(introducer) : {};
}

/**
 * Several steps could have brought the venv in: the image's layers say which did. The lowest layer that has the
 * pyvenv.cfg (after any that deleted it) is the step's; the config's history maps layers to instructions, and the
 * final stage's instructions are its last entries (a classic build ends with one more, for the build's labels).
 */
async function introducerFromLayers(
  docker: Dockerode,
  imageId: string,
  target: string,
  final: StageFacts,
): Promise<Introducer | undefined> {
  const exported = await readExportForPath(docker, imageId, target);
  const layer = introducingLayer(exported.layers);
  const entry = layer === undefined ? undefined : historyIndexOfLayer(exported.history, layer);
  if (entry === undefined) return undefined;
  const history = exported.history;
  const last = history[history.length - 1]?.created_by ?? "";
  const trailing = /LABEL "?org\.lab-grader\./.test(last) && final.steps[final.steps.length - 1]?.keyword !== "LABEL" ? 1 : 0;
  const firstOfStage = history.length - trailing - final.steps.length;
  if (entry < firstOfStage) return { origin: "inherited-from-base", line: final.line };
  const step = final.steps[entry - firstOfStage];
  // The history entry must be the kind of instruction the Dockerfile has there, or the mapping is off.
  if (!step || Boolean(step.copy) !== isCopyEntry({ createdBy: history[entry].created_by ?? "", size: 0 })) return undefined;
  if (step.copy) return { origin: copyOrigin(step), line: step.line };
  return step.keyword === "RUN" ? { origin: "created-in-final-stage", line: step.line } : undefined;
}

const baseImageLookups = new WeakMap<Dockerode, Map<string, Promise<boolean>>>();

/** Whether the base image has `target`; asked once per base image and path in a run (classes share both). */
function baseImageHas(docker: Dockerode, image: string, target: string, labels: Record<string, string>): Promise<boolean> {
  let lookups = baseImageLookups.get(docker);
  if (!lookups) baseImageLookups.set(docker, (lookups = new Map()));
  const key = `${image}\n${target}`;
  let answer = lookups.get(key);
  if (!answer) {
    answer = withImageFiles(docker, image, labels, (files) => files.exists(target)).catch(() => false);
    lookups.set(key, answer);
  }
  return answer;
}

/**
 * Whether a COPY/ADD could have written `target`: where it landed covers it, and — for a copy from the build
 * context — the context holds a pyvenv.cfg at all.
 */
async function copyCanPlace(step: StageStep, target: string, files: ImageFiles, contextEntries: string[]): Promise<boolean> {
  if (!step.copy!.from && !contextEntries.some((entry) => path.basename(entry) === "pyvenv.cfg")) return false;
  return landingCovers(await copyLanding(step.copy!, files), target);
}

function copyOrigin(step: StageStep): VenvOrigin {
  const copy = step.copy!;
  if (!copy.from) return "copied-from-context";
  return copy.stageIndex === undefined ? "copied-from-image" : "copied-from-stage";
}
