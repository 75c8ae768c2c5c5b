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
  app: { port: number; path: string; greeting: string };
  reference: { solution: string; singleStage: string };
  points: Record<string, number>;
  size: { maxRatioToReference: number; maxBytes?: number; reference: "lab" | "same-base" };
  timeouts: { buildSeconds: number; startSeconds: number; probeSeconds: number };
  /** Per check: one hint, or hints per reason for failing (see checks/hints.ts) with an optional `default`. */
  hints: Record<string, string | Record<string, string>>;
  /** When Gradescope shows each check to the student (default "visible"). */
  visibility: Record<string, GradescopeVisibility>;
  sandbox: SandboxSpec;
  /** Absolute path of the file the spec was read from; relative paths in it resolve against its folder. */
  file: string;
}

export type GradescopeVisibility = "visible" | "hidden" | "after_due_date" | "after_published";

export interface SandboxSpec {
  memoryMb: number;
  cpus: number;
  pids: number;
  network: "auto" | "internal" | "published";
  buildMemoryMb: number;
  buildCpus: number;
  diskBudgetMb: number;
  diskFloorMb: number;
  allowAddUrl: boolean;
  allowAnyImage: boolean;
  watchdogSeconds: number;
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
    const lines = (validate.errors ?? []).map((e) => `  ${fieldPath(e)}: ${describe(e)}`);
    throw new UserFacingError(`lab spec ${file} is invalid:\n${lines.join("\n")}`, ExitCode.usage);
  }
  return { ...(data as Omit<LabSpec, "file">), file: absolute };
}

/** Resolves a path written in the spec against the spec's folder. */
export function resolveFromSpec(spec: LabSpec, relative: string): string {
  return path.resolve(path.dirname(spec.file), relative);
}

function fieldPath(error: ErrorObject): string {
  const segments = error.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
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
