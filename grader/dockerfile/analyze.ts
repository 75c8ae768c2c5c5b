import path from "node:path/posix";
import { DockerfileParser, type Copy, type From, type Instruction } from "dockerfile-ast";
import { detectBuildkitFeatures, type BuildkitFeature } from "./buildkit-features";

/** A COPY or ADD of a stage: where it copies from and to. */
export interface CopyStepFacts {
  /** The --from value as written; absent for a copy from the build context. */
  from?: string;
  /** The earlier stage --from names, if any. */
  stageIndex?: number;
  sources: string[];
  /** Destination made absolute against the stage's WORKDIR ("/" kept at the end when written). */
  destination: string;
}

/** One instruction of a stage after its FROM, in order. */
export interface StageStep {
  keyword: string;
  line: number;
  /** Set for COPY and ADD. */
  copy?: CopyStepFacts;
}

export interface StageFacts {
  index: number;
  /** Lower-cased, as Docker treats stage names. */
  name?: string;
  /** The FROM image with build args expanded. */
  baseImage: string;
  /** Set when FROM names an earlier stage instead of an image. */
  baseStageIndex?: number;
  line: number;
  /** Every instruction after FROM, in order (a builder commits one history entry for each). */
  steps: StageStep[];
  workdir: string;
  /** PATH as set by ENV in this stage (unexpanded $PATH references kept). */
  envPath?: string;
  /** ADD sources that are URLs or git repositories (the engine fetches them itself). */
  addUrls: { line: number; url: string }[];
  /** Exec-form or shell-form words of the last CMD / ENTRYPOINT. */
  cmd?: string[];
  entrypoint?: string[];
}

export interface DockerfileFacts {
  stages: StageFacts[];
  /** Problems the classic builder rejects before building (unknown instruction, no FROM, …). */
  problems: string[];
  buildkitFeatures: BuildkitFeature[];
  /** Value of a `# syntax=` parser directive. */
  syntaxDirective?: string;
}

const KNOWN_KEYWORDS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** Facts about a Dockerfile's text, gathered with dockerfile-ast (lines are 1-based). */
export function analyzeDockerfile(text: string): DockerfileFacts {
  const dockerfile = DockerfileParser.parse(text);
  const problems: string[] = [];
  const stages: StageFacts[] = [];
  let current: StageFacts | undefined;

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const line = instruction.getRange().start.line + 1;
    if (!KNOWN_KEYWORDS.has(keyword)) {
      problems.push(`line ${line}: unknown instruction "${instruction.getInstruction()}"`);
      continue;
    }
    if (keyword === "FROM") {
      current = stageFromInstruction(instruction as From, stages, line, problems);
      stages.push(current);
      continue;
    }
    if (!current) {
      if (keyword !== "ARG") problems.push(`line ${line}: ${keyword} comes before the first FROM`);
      continue;
    }
    addToStage(current, instruction, keyword, line, stages, problems);
  }
  if (!stages.length) problems.push("no FROM instruction: a Dockerfile must start a stage with FROM");
  const directive = dockerfile.getDirectives().find((d) => d.getName().toLowerCase() === "syntax");
  return {
    stages,
    problems,
    buildkitFeatures: detectBuildkitFeatures(dockerfile),
    syntaxDirective: directive?.getValue() ?? undefined,
  };
}

function stageFromInstruction(from: From, stages: StageFacts[], line: number, problems: string[]): StageFacts {
  const args = from.getExpandedArguments().map((a) => a.getValue());
  const baseImage = args[0] ?? "";
  if (!baseImage) problems.push(`line ${line}: FROM needs an image`);
  if (args.length !== 1 && !(args.length === 3 && args[1].toLowerCase() === "as")) {
    problems.push(`line ${line}: FROM takes an image and optionally "AS name"`);
  }
  const name = args.length === 3 ? args[2].toLowerCase() : undefined;
  if (name && stages.some((s) => s.name === name)) problems.push(`line ${line}: the stage name "${name}" is used twice`);
  const baseStageIndex = stages.find((s) => s.name === baseImage.toLowerCase())?.index;
  const parent = baseStageIndex === undefined ? undefined : stages[baseStageIndex];
  return {
    index: stages.length,
    name,
    baseImage,
    baseStageIndex,
    line,
    steps: [],
    addUrls: [],
    // A stage built FROM an earlier stage inherits its WORKDIR.
    workdir: parent?.workdir ?? "/",
  };
}

function addToStage(stage: StageFacts, instruction: Instruction, keyword: string, line: number, stages: StageFacts[], problems: string[]): void {
  const args = instruction.getExpandedArguments().map((a) => a.getValue());
  const step: StageStep = { keyword, line };
  stage.steps.push(step);
  switch (keyword) {
    case "WORKDIR":
      if (args[0]) stage.workdir = path.resolve(stage.workdir, unquote(args[0]));
      break;
    case "ENV": {
      const env = instruction as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] };
      const pathProperty = env.getProperties().find((p) => p.getName() === "PATH");
      if (pathProperty) stage.envPath = pathProperty.getValue() ?? "";
      break;
    }
    case "CMD":
    case "ENTRYPOINT": {
      const words = execFormWords(instruction) ?? args;
      if (keyword === "CMD") stage.cmd = words;
      else stage.entrypoint = words;
      break;
    }
    case "ADD":
    case "COPY": {
      const words = execFormWords(instruction) ?? args;
      if (keyword === "ADD") {
        for (const source of words.slice(0, -1)) {
          if (/^([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(source)) stage.addUrls.push({ line, url: source });
        }
      }
      const fromFlag = (instruction as Copy).getFlags().find((f) => f.getName().toLowerCase() === "from");
      const from = fromFlag?.getValue();
      if (fromFlag && (from === null || from === "")) {
        problems.push(`line ${line}: --from needs a value (write --from=<stage>)`);
        break;
      }
      if (words.length < 2) {
        if (fromFlag) problems.push(`line ${line}: COPY needs a source and a destination`);
        break;
      }
      const written = unquote(words[words.length - 1]);
      const destination = path.resolve(stage.workdir, written) + (written.endsWith("/") ? "/" : "");
      const stageIndex = from ? resolveStageReference(from, stages, stage.index) : undefined;
      step.copy = { from: from ?? undefined, stageIndex, sources: words.slice(0, -1), destination };
      break;
    }
  }
}

/** A stage's COPY --from steps, in order: what a multi-stage build brings over from elsewhere. */
export function copiesFrom(stage: StageFacts): (CopyStepFacts & { from: string; line: number })[] {
  return stage.steps.filter((s) => s.keyword === "COPY" && s.copy?.from).map((s) => ({ ...s.copy!, from: s.copy!.from!, line: s.line }));
}

/** The images the stages start FROM (earlier stages aside), each once, sorted. */
export function externalBaseImages(analysis: DockerfileFacts): string[] {
  return [...new Set(analysis.stages.filter((stage) => stage.baseStageIndex === undefined).map((stage) => stage.baseImage))].sort();
}

/** The earlier stage `--from` names: a stage name (any case) or the index of an earlier stage. */
export function resolveStageReference(from: string, stages: StageFacts[], currentIndex: number): number | undefined {
  if (/^\d+$/.test(from)) {
    const index = Number(from);
    return index < currentIndex ? index : undefined;
  }
  return stages.find((s) => s.name === from.toLowerCase() && s.index < currentIndex)?.index;
}

function execFormWords(instruction: Instruction): string[] | undefined {
  const json = instruction as unknown as { getJSONStrings?: () => { getJSONValue(): string }[] };
  const strings = json.getJSONStrings?.() ?? [];
  return strings.length ? strings.map((s) => s.getJSONValue()) : undefined;
}

function unquote(value: string): string {
  return value.replace(/^(["'])(.*)\1$/, "$2");
}
