import type { Dockerfile, Instruction } from "dockerfile-ast";

export interface BuildkitFeature {
  line: number;
  /** How the student would recognise it, e.g. "RUN --mount". */
  feature: string;
  /** True when Docker's classic builder cannot build it at all. */
  blocking: boolean;
}

/** Flags the classic builder accepts; anything else on these instructions needs BuildKit. */
const CLASSIC_FLAGS: Record<string, string[]> = {
  FROM: ["platform"],
  COPY: ["from", "chown"],
  ADD: ["chown"],
  RUN: [],
  HEALTHCHECK: ["interval", "timeout", "start-period", "retries"],
};

/** BuildKit-only syntax in a Dockerfile: heredocs, extra flags, a `# syntax=` frontend. */
export function detectBuildkitFeatures(dockerfile: Dockerfile): BuildkitFeature[] {
  const features: BuildkitFeature[] = [];
  const directive = dockerfile.getDirectives().find((d) => d.getName().toLowerCase() === "syntax");
  if (directive) {
    features.push({ line: directive.getRange().start.line + 1, feature: `# syntax=${directive.getValue()}`, blocking: false });
  }
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const line = instruction.getRange().start.line + 1;
    const heredocs = (instruction as Instruction & { getHeredocs?: () => unknown[] }).getHeredocs?.() ?? [];
    if ((keyword === "RUN" || keyword === "COPY" || keyword === "ADD") && heredocs.length) {
      features.push({ line, feature: `${keyword} with a heredoc (<<)`, blocking: true });
    }
    const allowed = CLASSIC_FLAGS[keyword];
    const flags = (instruction as Instruction & { getFlags?: () => { getName(): string }[] }).getFlags?.() ?? [];
    if (!allowed) continue;
    for (const flag of flags) {
      const name = flag.getName().toLowerCase();
      if (!allowed.includes(name)) features.push({ line, feature: `${keyword} --${name}`, blocking: true });
    }
  }
  return features;
}
