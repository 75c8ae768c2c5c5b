import type { CheckDeclaration, LabSpec } from "../lab/lab-spec";
import { commandKey, type Check, type CheckKind, type CommandNeed, type FactNeeds } from "./check";
import { commandOutput } from "./command-output";
import { exposedPort } from "./exposed-port";
import { httpProbe } from "./http-probe";
import { imageBuilds } from "./image-builds";
import { imageSize } from "./image-size";
import { keepsRunning } from "./keeps-running";
import { nonRootUser } from "./non-root-user";
import { pathAbsent, pathPresent } from "./path-exists";
import { pathFromStage } from "./path-from-stage";
import { stageStructure } from "./stage-structure";
import { venvFromStage } from "./venv-from-stage";

/** Every kind of check a lab's YAML may declare, by name. */
export const CHECK_KINDS: Record<string, CheckKind<never>> = Object.fromEntries(
  [
    stageStructure,
    imageBuilds,
    keepsRunning,
    httpProbe,
    venvFromStage,
    imageSize,
    pathAbsent,
    pathPresent,
    pathFromStage,
    nonRootUser,
    exposedPort,
    commandOutput,
  ].map((kind) => [kind.kind, kind as CheckKind<never>]),
);

/** The declaration's own fields; the rest are the kind's params. */
const COMMON = new Set(["id", "kind", "points", "title", "hint", "hints", "visibility"]);

/** A lab's declared check, ready to grade: its kind with the declaration's params. `custom` ones have none (their spec file grades them). */
export function checkFromDeclaration(declaration: CheckDeclaration, spec: LabSpec): Check | undefined {
  if (declaration.kind === "custom") return undefined;
  const kind = CHECK_KINDS[declaration.kind] as CheckKind<Record<string, unknown>> | undefined;
  if (!kind) throw new Error(`${spec.file}: check ${declaration.id} has an unknown kind ${JSON.stringify(declaration.kind)}`);
  const params = Object.fromEntries(Object.entries(declaration).filter(([key]) => !COMMON.has(key)));
  return {
    id: declaration.id,
    kind: declaration.kind,
    title: declaration.title ?? kind.title(params, spec),
    points: declaration.points,
    reasons: kind.reasons,
    needs: kind.needs(params, spec),
    evaluate: (facts, context) => kind.evaluate(facts, params, context),
  };
}

/** The lab's checks of built-in kinds, in the YAML's order. */
export function labChecks(spec: LabSpec): Check[] {
  return spec.checks.map((d) => checkFromDeclaration(d, spec)).filter((c): c is Check => c !== undefined);
}

/** What a set of checks needs gathered, together. */
export function combinedNeeds(needs: FactNeeds[]): FactNeeds {
  const probes = new Map(needs.flatMap((n) => (n.probe ? [[JSON.stringify(n.probe), n.probe] as const] : [])));
  if (probes.size > 1)
    throw new Error(`one probe per run: the checks ask for ${[...probes.values()].map((p) => `${p.method} ${p.path}`).join(" and ")}`);
  const union = (lists: (string[] | undefined)[]): string[] | undefined => {
    const all = [...new Set(lists.flatMap((l) => l ?? []))];
    return all.length ? all : undefined;
  };
  return {
    run: needs.some((n) => n.run || n.probe !== undefined),
    probe: [...probes.values()][0],
    venv: needs.some((n) => n.venv),
    paths: union(needs.map((n) => n.paths)),
    provenance: union(needs.map((n) => n.provenance)),
    commands: longestTimeouts(needs.flatMap((n) => n.commands ?? [])),
  };
}

/** Each command once, with the longest timeout any check gave it; undefined when there is none. */
function longestTimeouts(commands: CommandNeed[]): CommandNeed[] | undefined {
  const byKey = new Map<string, CommandNeed>();
  for (const need of commands) {
    const known = byKey.get(commandKey(need.command));
    if (!known || known.timeoutSeconds < need.timeoutSeconds) byKey.set(commandKey(need.command), need);
  }
  return byKey.size ? [...byKey.values()] : undefined;
}

export type { Check, CheckContext, CheckKind, CheckOutcome, CheckResult, CommandNeed, FactNeeds } from "./check";
