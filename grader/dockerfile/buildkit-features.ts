import type { Dockerfile, Instruction } from "dockerfile-ast";

export interface BuildkitFeature {
  line: number;
  /** How the student would recognise it, e.g. "RUN --mount". */
  feature: string;
  /** True when Docker's classic builder cannot build it at all. */
  blocking: boolean;
  /** The Docker Engine release whose built-in Dockerfile frontend first builds it, when later than 20.10. */
  minEngine?: string;
  /** Why the grader does not build it with any builder (a sentence for the student). */
  refused?: string;
  /** The image or stage a `RUN --mount=…,from=X` reads, for the lab's image policy. */
  mountFrom?: string;
}

/** Flags the classic builder accepts; anything else on these instructions needs BuildKit. */
const CLASSIC_FLAGS: Record<string, string[]> = {
  FROM: ["platform"],
  COPY: ["from", "chown"],
  ADD: ["chown"],
  RUN: [],
  HEALTHCHECK: ["interval", "timeout", "start-period", "retries"],
};

/** Measured: Docker 20.10's built-in frontend rejects these ("Unknown flag: link", heredoc bodies as instructions). */
const NEEDS_DOCKER_23 = "23.0";

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
      features.push({ line, feature: `${keyword} with a heredoc (<<)`, blocking: true, minEngine: NEEDS_DOCKER_23 });
    }
    const allowed = CLASSIC_FLAGS[keyword];
    const flags = (instruction as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.() ?? [];
    if (!allowed) continue;
    for (const flag of flags) {
      const name = flag.getName().toLowerCase();
      if (allowed.includes(name)) continue;
      const feature: BuildkitFeature = { line, feature: `${keyword} --${name}`, blocking: true };
      if (name === "link") feature.minEngine = NEEDS_DOCKER_23;
      if (keyword === "RUN") describeRunFlag(feature, name, flag.getValue() ?? "");
      features.push(feature);
    }
  }
  return features;
}

/** RUN's BuildKit flags: what a mount reads, and the ones that would leave the sandbox. */
function describeRunFlag(feature: BuildkitFeature, name: string, value: string): void {
  if (name === "mount") {
    const options = new Map(
      value.split(",").map((pair) => [pair.split("=")[0].trim().toLowerCase(), pair.slice(pair.indexOf("=") + 1).trim()] as const),
    );
    const type = options.get("type") ?? "bind";
    feature.feature = `RUN --mount=type=${type}`;
    if (type === "secret" || type === "ssh") {
      feature.refused = `the grader gives builds no secrets and no SSH agent; the lab needs neither`;
    }
    const from = options.get("from");
    if (from) feature.mountFrom = from;
  } else if (name === "network" && value.trim().toLowerCase() === "host") {
    feature.feature = "RUN --network=host";
    feature.refused = "build steps may not use the host's network";
  } else if (name === "security") {
    feature.feature = `RUN --security=${value}`;
    feature.refused = "build steps run with the default security profile only";
  }
}
