import { DockerfileParser, type From } from "dockerfile-ast";
import type { DockerfileFacts } from "./analyze";

/** The image the final stage ultimately starts from (following FROM <earlier stage> chains). */
export function finalBaseImage(facts: DockerfileFacts): string | undefined {
  let stage = facts.stages[facts.stages.length - 1];
  for (let hops = 0; stage && stage.baseStageIndex !== undefined && hops < facts.stages.length; hops++) stage = facts.stages[stage.baseStageIndex];
  return stage?.baseImage;
}

/** The Dockerfile with every FROM that names an image (not an earlier stage) rewritten to `image`. */
export function rebaseDockerfile(text: string, image: string): string {
  const dockerfile = DockerfileParser.parse(text);
  const stageNames = new Set<string>();
  const lines = text.split("\n");
  // Rewrite from the last FROM up, so earlier edits never shift later ranges on the same line.
  const froms = dockerfile.getFROMs();
  for (const from of froms) {
    const name = from.getBuildStage();
    if (name) stageNames.add(name.toLowerCase());
  }
  for (const from of [...froms].reverse()) rewrite(from, lines, image, stageNames);
  return lines.join("\n");
}

function rewrite(from: From, lines: string[], image: string, stageNames: Set<string>): void {
  const range = from.getImageRange();
  const current = from.getImage();
  if (!range || !current || stageNames.has(current.toLowerCase()) || range.start.line !== range.end.line) return;
  const line = lines[range.start.line];
  lines[range.start.line] = line.slice(0, range.start.character) + image + line.slice(range.end.character);
}
