import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ErrorObject } from "ajv";
import yaml from "js-yaml";
import schema from "../../specs/lab-spec.schema.json";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { packagePath } from "../common/package-path";

export interface LabSpec {
  id: string;
  title: string;
  baseImages: string[];
  /** The app the container runs: where checks that run or probe it reach it. */
  app?: { port: number };
  reference: { solution: string; singleStage: string };
  /** The lab's checks, in report order (see checks/index.ts for the kinds). */
  checks: CheckDeclaration[];
  timeouts: { buildSeconds: number; startSeconds: number; probeSeconds: number };
  sandbox: SandboxSpec;
  /** What is kept of BuildKit's cache between runs (see engine/kept-build-cache.ts). */
  buildCache: { keepMb: number };
  /** Absolute path of the file the spec was read from; relative paths in it resolve against its folder. */
  file: string;
  /** Points per check id (from `checks`). */
  points: Record<string, number>;
  /** Per check id: one hint, or hints per reason for failing with an optional `default` (see checks/hints.ts). */
  hints: Record<string, string | Record<string, string>>;
  /** When Gradescope shows each check to the student (default "visible"). */
  visibility: Record<string, GradescopeVisibility>;
  /** How the size threshold is set: the image-size check's params, with their defaults. */
  size: { maxRatioToReference: number; maxBytes?: number; reference: "lab" | "same-base" };
}

/** One entry of a lab's `checks`: the fields every check has, and its kind's params. */
export interface CheckDeclaration {
  id: string;
  /** A kind of checks/index.ts, or `custom`: graded by a test in the lab's own spec file. */
  kind: string;
  points: number;
  title?: string;
  hint?: string;
  hints?: Record<string, string>;
  visibility?: GradescopeVisibility;
  [param: string]: unknown;
}

export type GradescopeVisibility = "visible" | "hidden" | "after_due_date" | "after_published";

export interface SandboxSpec {
  memoryMb: number;
  cpus: number;
  pids: number;
  network: "auto" | "internal" | "published";
  buildMemoryMb: number;
  buildCpus: number;
  /** The network of RUN steps: none (loopback only), or the engine's default. */
  buildNetwork: "none" | "default";
  diskBudgetMb: number;
  diskFloorMb: number;
  allowAddUrl: boolean;
  allowAnyImage: boolean;
  /** Stop before grading where BuildKit's RUN steps cannot be held to the build limits (see choose-builder.ts). */
  requireBuildLimits: boolean;
  watchdogSeconds: number;
}

/** The engine's network mode for the RUN steps of the lab's builds (the build request's `networkmode`). */
export function buildNetworkMode(sandbox: Pick<SandboxSpec, "buildNetwork">): "none" | undefined {
  return sandbox.buildNetwork === "none" ? "none" : undefined;
}

export const DEFAULT_LAB_SPEC = "specs/lab42.yaml";

/** `specs/lab42.yaml` here when there is one (an instructor's checkout), else the one shipped with lab-grader. */
export function defaultLabSpecFile(): string {
  return existsSync(DEFAULT_LAB_SPEC) ? DEFAULT_LAB_SPEC : packagePath(DEFAULT_LAB_SPEC);
}

const validate = new Ajv({ allErrors: true, useDefaults: true }).compile(schema);

/** Loads and validates a lab spec; a bad one throws a UserFacingError (exit 2) naming file, field and expectation. */
export function loadLabSpec(file: string = defaultLabSpecFile()): LabSpec {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    throw new UserFacingError(`lab spec ${file}: cannot read it (${(error as Error).message}); pass --lab PATH`, ExitCode.usage);
  }
  let data: unknown;
  try {
    data = yaml.load(text, { filename: absolute, schema: yaml.CORE_SCHEMA });
  } catch (error) {
    throw new UserFacingError(`lab spec ${file}: not valid YAML: ${(error as Error).message}`, ExitCode.usage);
  }
  if (!validate(data)) {
    // An if/then pair adds "must match then schema" above the errors that say what is wrong.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
    const lines = [...new Set(errors.map((e) => `  ${fieldPath(e)}: ${describe(e)}`))];
    throw new UserFacingError(`lab spec ${file} is invalid:\n${lines.join("\n")}`, ExitCode.usage);
  }
  const spec = withDerivedFields(data as RawLabSpec, absolute);
  const problems = checkProblems(spec);
  if (problems.length) throw new UserFacingError(`lab spec ${file} is invalid:\n${problems.map((p) => `  ${p}`).join("\n")}`, ExitCode.usage);
  return spec;
}

type RawLabSpec = Omit<LabSpec, "file" | "points" | "hints" | "visibility" | "size">;

function withDerivedFields(raw: RawLabSpec, file: string): LabSpec {
  const size = raw.checks.find((c) => c.kind === "image-size");
  return {
    ...raw,
    file,
    points: Object.fromEntries(raw.checks.map((c) => [c.id, c.points])),
    hints: Object.fromEntries(
      raw.checks.flatMap((c): [string, string | Record<string, string>][] =>
        c.hints ? [[c.id, c.hint ? { default: c.hint, ...c.hints } : c.hints]] : c.hint ? [[c.id, c.hint]] : [],
      ),
    ),
    visibility: Object.fromEntries(raw.checks.flatMap((c) => (c.visibility ? [[c.id, c.visibility]] : []))),
    size: {
      maxRatioToReference: (size?.maxRatioToReference as number | undefined) ?? 1.1,
      ...(size?.maxBytes !== undefined ? { maxBytes: size.maxBytes as number } : {}),
      reference: (size?.reference as "lab" | "same-base" | undefined) ?? "lab",
    },
  };
}

/** What the schema cannot say: ids are unique, patterns compile, one probe per run, a port where a check runs the app. */
function checkProblems(spec: LabSpec): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  spec.checks.forEach((c, i) => {
    if (seen.has(c.id)) problems.push(`checks.${i}.id: ${JSON.stringify(c.id)} is declared twice`);
    seen.add(c.id);
    for (const key of ["bodyPattern", "stdoutPattern"]) {
      if (typeof c[key] !== "string") continue;
      try {
        new RegExp(c[key]);
      } catch (error) {
        problems.push(`checks.${i}.${key}: not a regular expression (${(error as Error).message})`);
      }
    }
  });
  if (spec.checks.filter((c) => c.kind === "http-probe").length > 1)
    problems.push("checks: at most one check of kind http-probe (the app is probed once per run)");
  if (spec.checks.filter((c) => c.kind === "image-size").length > 1)
    problems.push("checks: at most one check of kind image-size (it sets the run's size threshold)");
  const needsPort = spec.checks.find((c) => ["keeps-running", "http-probe"].includes(c.kind) || (c.kind === "exposed-port" && c.port === undefined));
  if (needsPort && !spec.app) problems.push(`app.port: is required (check ${needsPort.id} runs or names the app's port)`);
  return problems;
}

/** Resolves a path written in the spec against the spec's folder. */
export function resolveFromSpec(spec: LabSpec, relative: string): string {
  return path.resolve(path.dirname(spec.file), relative);
}

function fieldPath(error: ErrorObject): string {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "required") segments.push(String(error.params.missingProperty));
  if (error.keyword === "additionalProperties") segments.push(String(error.params.additionalProperty));
  return segments.length ? segments.join(".") : "(top level)";
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case "required":
      return "is required but missing";
    case "additionalProperties":
      return "is not a known field (check its spelling)";
    case "enum":
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return error.message ?? "is invalid";
  }
}
