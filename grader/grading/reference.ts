import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Engine } from "../engine/client";
import { stateDir } from "../common/state-dir";
import { analyzeDockerfile, externalBaseImages } from "../dockerfile/analyze";
import { finalBaseImage, rebaseDockerfile } from "../dockerfile/rebase";
import { buildImage, type Builder, type BuildStep } from "../engine/build";
import { LABELS, ownerLabel } from "../engine/labels";
import { withImageFiles } from "../inspect/image-files";
import { copySourceImage, measureImageSize } from "../inspect/image-size";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { buildNetworkMode, resolveFromSpec, type LabSpec } from "../lab/lab-spec";
import { prepareBuildContext } from "../submission/context";
import { submissionKey } from "./result-cache";
import { sharedStepsScope } from "./step-sharing";
import { baseImageIds, type RunImages } from "./run-images";
import type { ReferenceFacts } from "./submission-facts";

type InFlightBuilds = Pick<RunImages, "startBuild">;

/**
 * Builds the reference solution and the single-stage baseline on this engine, with the builder the submissions'
 * builds use (their sizes are measured alike) — or reuses the images an earlier run built from the same files and
 * base images with the same builder — and derives the size threshold from them. A reference that
 * does not build is the lab's fault: exit 3 with its log.
 */
export async function buildReference(
  engine: Engine,
  spec: LabSpec,
  buildTimeoutSeconds: number,
  builder: Builder = "classic",
  base?: string,
  builds?: InFlightBuilds,
): Promise<ReferenceFacts> {
  const [solution, baseline] = await Promise.all([
    referenceImage(engine, spec, spec.reference.solution, "solution", buildTimeoutSeconds, builder, base, builds),
    referenceImage(engine, spec, spec.reference.singleStage, "single-stage", buildTimeoutSeconds, builder, base, builds),
  ]);
  const ratio = spec.size.maxRatioToReference;
  const common = {
    referenceBytes: solution.bytes,
    baselineBytes: baseline.bytes,
    architecture: solution.architecture,
    reusedImages: solution.reused && baseline.reused,
  };
  if (spec.size.maxBytes !== undefined) {
    return { ...common, thresholdBytes: spec.size.maxBytes, thresholdRule: `the lab's fixed limit of ${spec.size.maxBytes} bytes` };
  }
  const on = base ? ` rebuilt on ${base}` : "";
  return { ...common, thresholdBytes: Math.floor(solution.bytes * ratio), thresholdRule: `${ratio.toFixed(2)} × the reference solution${on}` };
}

const sameBase = new Map<string, Promise<ReferenceFacts>>();

/** The reference (and baseline) rebuilt on `base` — once per base image in a run — for `size.reference: same-base`. */
export function sameBaseReference(
  engine: Engine,
  spec: LabSpec,
  base: string,
  buildTimeoutSeconds: number,
  builder: Builder,
  builds?: InFlightBuilds,
): Promise<ReferenceFacts> {
  const key = `${spec.file}\n${base}\n${builder}`;
  let facts = sameBase.get(key);
  if (!facts) {
    facts = buildReference(engine, spec, buildTimeoutSeconds, builder, base, builds);
    sameBase.set(key, facts);
  }
  return facts;
}

/** The final base image of the lab's reference solution. */
export function referenceBaseImage(spec: LabSpec): string | undefined {
  return finalBaseImage(analyzeDockerfile(readFileSync(path.join(resolveFromSpec(spec, spec.reference.solution), "Dockerfile"), "utf8")));
}

async function referenceImage(
  engine: Engine,
  spec: LabSpec,
  relativeDir: string,
  name: string,
  timeoutSeconds: number,
  builder: Builder,
  base?: string,
  builds?: InFlightBuilds,
): Promise<{ bytes: number; architecture: string; reused: boolean }> {
  let dir = resolveFromSpec(spec, relativeDir);
  if (base) dir = rebasedCopy(dir, base);
  const networkMode = buildNetworkMode(spec.sandbox);
  const key = await referenceKey(engine, dir, builder, networkMode).catch((error: Error) => {
    throw new UserFacingError(`reference ${name} (${dir}): ${error.message}`, ExitCode.notReady);
  });
  const built = await engine.docker.listImages({ filters: { label: [`${REFERENCE_KEY_LABEL}=${key}`] } });
  let imageId = built[0]?.Id;
  const analysis = analyzeDockerfile(readFileSync(path.join(dir, "Dockerfile"), "utf8"));
  let steps: BuildStep[] = [];
  if (!imageId) {
    const context = await prepareBuildContext(dir).catch((error: Error) => ({ ok: false as const, message: error.message }));
    if (!context.ok) throw new UserFacingError(`reference ${name} (${dir}): ${context.message}`, ExitCode.notReady);
    const tag = `lab-grader/${spec.id}-reference:${name}${base ? `-on-${base.replace(/[^a-zA-Z0-9_.-]+/g, "-").slice(0, 80)}` : ""}`;
    const labels = { [REFERENCE_KEY_LABEL]: key };
    // During a run, held like the submissions' builds (see RunImages), for good: the reference stays.
    const tracker = await builds?.startBuild(await baseImageIds(engine.docker, analysis));
    const result = await buildImage(engine.docker, {
      builder,
      context: context.tar(),
      tags: [tag],
      labels,
      networkMode,
      timeoutMs: timeoutSeconds * 1000,
      stepsScope: sharedStepsScope(spec, timeoutSeconds),
      onImage: tracker?.used,
    }).finally(() => tracker?.done());
    if (!result.ok || !result.imageId) {
      throw new UserFacingError(
        `the reference ${name} (${dir}) did not build: ${result.error}\n${result.log.split("\n").slice(-15).join("\n")}`,
        ExitCode.notReady,
      );
    }
    imageId = result.imageId;
    steps = result.steps;
  }
  const image = await engine.docker.getImage(imageId).inspect();
  const labels = { [LABELS.owner]: ownerLabel() };
  // A reference reused from an earlier run has no build steps here: its copies are counted where they landed.
  const copySource = copySourceImage(steps);
  const size = await withImageFiles(engine.docker, imageId, labels, (files) =>
    measureImageSize(engine.docker, imageId!, analysis, files, copySource, labels),
  );
  return { bytes: size.bytes, architecture: image.Architecture, reused: built.length > 0 };
}

/** Label of a reference image: the key of what it was built from. */
export const REFERENCE_KEY_LABEL = "org.lab-grader.reference-key";

/**
 * What a reference image is made of: the folder's files (as the result cache hashes them), the id of every image
 * its Dockerfile builds FROM, and the builder. An image labelled with the same key on this engine is the same
 * build, so it is reused without asking the builder; a changed file or a rebuilt stand-in gives a new key and a
 * new build.
 */
export async function referenceKey(engine: Engine, dir: string, builder: Builder = "classic", networkMode?: string): Promise<string> {
  const analysis = analyzeDockerfile(readFileSync(path.join(dir, "Dockerfile"), "utf8"));
  const bases = externalBaseImages(analysis);
  const ids = await Promise.all(
    bases.map(
      async (base) =>
        `${base} ${await engine.docker
          .getImage(base)
          .inspect()
          .then(
            (image) => image.Id,
            () => "absent",
          )}`,
    ),
  );
  // The classic builder's keys are those of the runs before BuildKit: their images stay reusable
  const builderLine = builder === "classic" ? "" : `\nbuilder ${builder}`;
  const networkLine = networkMode ? `\nnetwork ${networkMode}` : "";
  return createHash("sha256")
    .update(submissionKey(dir, []))
    .update(ids.join("\n") + builderLine + networkLine)
    .digest("hex");
}

/** A temporary copy of a reference folder whose Dockerfile builds on `base`. */
function rebasedCopy(dir: string, base: string): string {
  const copy = mkdtempSync(path.join(stateDir("rebased"), "reference-"));
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
  const dockerfile = path.join(copy, "Dockerfile");
  writeFileSync(dockerfile, rebaseDockerfile(readFileSync(dockerfile, "utf8"), base));
  return copy;
}
