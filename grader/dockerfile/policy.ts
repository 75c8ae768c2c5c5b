import type { SandboxSpec } from "../lab/lab-spec";
import { copiesFrom, type DockerfileFacts } from "./analyze";

/** Docker Hub's default registry prefixes mean the same image: python:3.9 = docker.io/library/python:3.9. */
export function normalizeImage(reference: string): string {
  const bare = reference.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "").replace(/^library\//, "");
  return /:[^/]+$/.test(bare) || bare.includes("@") ? bare : `${bare}:latest`;
}

/**
 * What the lab does not allow a Dockerfile to do before it is built: build on (or copy from) an image that is
 * not one of the lab's base images — such as another submission's image — or make the engine download a URL.
 * Each entry is a sentence for the student.
 */
export function policyViolations(facts: DockerfileFacts, baseImages: string[], sandbox: SandboxSpec): string[] {
  const allowed = new Set(baseImages.map(normalizeImage));
  const allowedList = baseImages.join(", ");
  const violations: string[] = [];
  for (const stage of facts.stages) {
    if (
      !sandbox.allowAnyImage &&
      stage.baseStageIndex === undefined &&
      stage.baseImage !== "scratch" &&
      !allowed.has(normalizeImage(stage.baseImage))
    ) {
      violations.push(`line ${stage.line}: FROM ${stage.baseImage} is not one of this lab's base images (${allowedList})`);
    }
    for (const copy of copiesFrom(stage)) {
      if (!sandbox.allowAnyImage && copy.stageIndex === undefined && !allowed.has(normalizeImage(copy.from))) {
        violations.push(`line ${copy.line}: COPY --from=${copy.from} names neither an earlier stage nor one of this lab's base images`);
      }
    }
    if (!sandbox.allowAddUrl) {
      for (const add of stage.addUrls) {
        violations.push(
          `line ${add.line}: ADD ${add.url} downloads from the network, which this lab does not allow; put the file in your submission and COPY it`,
        );
      }
    }
  }
  for (const mount of facts.buildkitFeatures.filter((f) => f.mountFrom !== undefined)) {
    const from = mount.mountFrom!;
    const stage = facts.stages.some((s, i) => s.name === from.toLowerCase() || String(i) === from);
    if (!sandbox.allowAnyImage && !stage && !allowed.has(normalizeImage(from))) {
      violations.push(`line ${mount.line}: RUN --mount from=${from} names neither a stage nor one of this lab's base images`);
    }
  }
  return violations;
}
