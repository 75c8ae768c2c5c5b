import type { Engine } from "../engine/client";
import { buildImage } from "../engine/build";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { resolveFromSpec, type LabSpec } from "../lab/lab-spec";
import { prepareBuildContext } from "../submission/context";
import type { ReferenceFacts } from "./submission-facts";

/**
 * Builds the reference solution and the single-stage baseline on this engine (layer cache allowed) and derives
 * the size threshold from them. A reference that does not build is the lab's fault: exit 3 with its log.
 */
export async function buildReference(engine: Engine, spec: LabSpec, buildTimeoutSeconds: number): Promise<ReferenceFacts> {
  const [referenceBytes, baselineBytes] = [
    await referenceImageBytes(engine, spec, spec.reference.solution, "solution", buildTimeoutSeconds),
    await referenceImageBytes(engine, spec, spec.reference.singleStage, "single-stage", buildTimeoutSeconds),
  ];
  const ratio = spec.size.maxRatioToReference;
  if (spec.size.maxBytes !== undefined) {
    return { referenceBytes, baselineBytes, thresholdBytes: spec.size.maxBytes, thresholdRule: `the lab's fixed limit of ${spec.size.maxBytes} bytes` };
  }
  return {
    referenceBytes,
    baselineBytes,
    thresholdBytes: Math.floor(referenceBytes * ratio),
    thresholdRule: `${ratio.toFixed(2)} × the reference solution`,
  };
}

async function referenceImageBytes(engine: Engine, spec: LabSpec, relativeDir: string, name: string, timeoutSeconds: number): Promise<number> {
  const dir = resolveFromSpec(spec, relativeDir);
  const context = await prepareBuildContext(dir).catch((error: Error) => ({ ok: false as const, message: error.message }));
  if (!context.ok) throw new UserFacingError(`reference ${name} (${dir}): ${context.message}`, ExitCode.notReady);
  const tag = `lab-grader/${spec.id}-reference:${name}`;
  const result = await buildImage(engine.docker, { context: context.tar(), tags: [tag], timeoutMs: timeoutSeconds * 1000 });
  if (!result.ok || !result.imageId) {
    throw new UserFacingError(
      `the reference ${name} (${dir}) did not build: ${result.error}\n${result.log.split("\n").slice(-15).join("\n")}`,
      ExitCode.notReady,
    );
  }
  return (await engine.docker.getImage(result.imageId).inspect()).Size;
}
