import type { Builder } from "../engine/build";
import { UNCAPPED_STEPS, type StepsPlace } from "../engine/buildkit-cgroups";
import type { DockerfileFacts } from "../dockerfile/analyze";
import type { BuildkitFeature } from "../dockerfile/buildkit-features";

export type BuilderRequest = "auto" | "classic" | "buildkit";
export const BUILDER_REQUESTS: BuilderRequest[] = ["auto", "classic", "buildkit"];

/** What a run decided about builders before the first submission: asked for, and whether BuildKit is usable. */
export interface BuilderPlan {
  requested: BuilderRequest;
  /**
   * Usable when the engine has BuildKit; capped when the grader also holds its RUN steps to the lab's build limits
   * (memory, CPU, pids and the disk budget). Uncapped, the reason says why those do not hold.
   */
  buildkit:
    | { usable: true; capped: true; cgroup: string; steps: StepsPlace }
    | { usable: true; capped: false; reason: string }
    | { usable: false; reason: string };
  /** The engine's version, e.g. "20.10.24" or "28.5.2". */
  engineVersion: string;
}

export type BuilderChoice =
  | {
      ok: true;
      builder: Builder;
      notes: string[];
      /** 0-based lines of the Dockerfile to blank out before building (a `# syntax=` line BuildKit must not follow). */
      blankLines: number[];
    }
  | {
      ok: false;
      reason: string;
      blocking: BuildkitFeature[];
      /** The lab refuses those features whatever the builder (secrets, the host's network), rather than this run lacking them. */
      refused: boolean;
      /** Not refused: what would build it (an engine, a builder), for the list of submissions to grade again. */
      engineNeeds?: string;
    };

/** `docker/dockerfile:1`, `:1.4`, `:1.4.3` (with docker.io/ or a digest): the frontend the engine has built in. */
const OFFICIAL_FRONTEND = /^(docker\.io\/)?docker\/dockerfile:1(\.\d+){0,2}(@sha256:[0-9a-f]{64})?$/i;

/**
 * Which builder builds this Dockerfile. `auto` takes BuildKit — what `docker build` is on a current engine — when
 * the run can hold BuildKit's steps to the lab's limits. Where it cannot (a remote engine, Docker Desktop's VM, a
 * cgroup layout the grader does not know), `auto` builds with the classic builder, whose limits the API applies,
 * and with BuildKit, its steps not held to the limits, only a Dockerfile that needs it: the same Dockerfile gets
 * the same verdict either way (the matrix grades the samples with both). Where the engine has no BuildKit, syntax
 * only BuildKit has is refused, saying why. `buildkit` insists on BuildKit, `classic` on the classic builder.
 * Features an engine's own frontend is too old for, secrets and the host's network are refused before building,
 * each with the line and what to do.
 */
export function chooseBuilder(plan: BuilderPlan, analysis: DockerfileFacts): BuilderChoice {
  const features = analysis.buildkitFeatures;
  const blocking = features.filter((f) => f.blocking);
  const refused = features.filter((f) => f.refused);
  if (refused.length) {
    return { ok: false, refused: true, blocking: refused, reason: refused.map((f) => `${f.feature} (line ${f.line}): ${f.refused}`).join("; ") };
  }
  const capped = plan.buildkit.usable && plan.buildkit.capped;
  const wantBuildkit = plan.requested === "buildkit" || (plan.requested === "auto" && (capped || blocking.length > 0));
  const directive = analysis.syntaxDirective;
  if (!wantBuildkit) {
    if (blocking.length)
      return {
        ok: false,
        refused: false,
        blocking,
        reason: classicOnlyMessage(blocking, plan),
        engineNeeds: "BuildKit (grade without --builder classic)",
      };
    const notes = directive ? [`the "# syntax=${directive}" line was ignored: the classic builder has no frontends`] : [];
    return { ok: true, builder: "classic", notes, blankLines: [] };
  }
  if (!plan.buildkit.usable) {
    return {
      ok: false,
      refused: false,
      blocking,
      engineNeeds: "an engine with BuildKit (Docker Engine 23.0 or later)",
      reason:
        `the Dockerfile uses BuildKit-only syntax: ${list(blocking)}, and this engine's BuildKit cannot be used for grading: ` +
        `${plan.buildkit.reason}. Rewrite those lines for the classic builder (one RUN with && instead of a heredoc, no --mount/--link flags) — the lab needs none of it`,
    };
  }
  const tooNew = blocking.filter((f) => f.minEngine && olderThan(plan.engineVersion, f.minEngine));
  if (tooNew.length) {
    const newest = tooNew.map((f) => f.minEngine!).reduce((a, b) => (olderThan(a, b) ? b : a));
    return {
      ok: false,
      refused: false,
      blocking: tooNew,
      engineNeeds: `Docker Engine ${newest} or later`,
      reason:
        `${tooNew.map((f) => `${f.feature} (line ${f.line}) needs Docker Engine ${f.minEngine} or later`).join("; ")}; ` +
        `this engine is Docker Engine ${plan.engineVersion}. Rewrite those lines (one RUN with && instead of a heredoc, COPY without --link) or grade on a newer engine`,
    };
  }
  const notes: string[] = [];
  const blankLines: number[] = [];
  if (!plan.buildkit.capped) notes.push(`built with BuildKit, its RUN steps not held to the lab's build limits: ${plan.buildkit.reason}`);
  if (directive) {
    if (!OFFICIAL_FRONTEND.test(directive.trim())) {
      return {
        ok: false,
        refused: true,
        blocking: features.filter((f) => f.feature.startsWith("# syntax=")),
        reason:
          `the "# syntax=${directive}" line asks for a frontend image, which the grader cannot download (it builds offline); ` +
          `use "# syntax=docker/dockerfile:1" or remove the line — the engine's own Dockerfile frontend builds the rest`,
      };
    }
    const line = features.find((f) => f.feature.startsWith("# syntax="))?.line;
    if (line !== undefined) blankLines.push(line - 1);
    notes.push(`built with the engine's own Dockerfile frontend for "# syntax=${directive}" (frontend images cannot be downloaded here)`);
  }
  return { ok: true, builder: "buildkit", notes, blankLines };
}

/** The builder of a Dockerfile with no BuildKit-only syntax in this run: the reference's, measured as the submissions are. */
export function defaultBuilder(plan: BuilderPlan): Builder {
  if (plan.requested === "classic" || !plan.buildkit.usable) return "classic";
  return plan.requested === "buildkit" || plan.buildkit.capped ? "buildkit" : "classic";
}

/** What of the lab's build limits holds for BuildKit's RUN steps in this run, when it may build with BuildKit. */
export function buildkitLimitsNote(plan: BuilderPlan): string | undefined {
  if (plan.requested === "classic" || !plan.buildkit.usable || plan.buildkit.capped) return undefined;
  const which =
    plan.requested === "buildkit" ? "every Dockerfile" : "only Dockerfiles that need it (the classic builder, with the limits, builds the rest)";
  return `BuildKit builds ${which}, its RUN steps ${UNCAPPED_STEPS}: ${plan.buildkit.reason}`;
}

function classicOnlyMessage(blocking: BuildkitFeature[], plan: BuilderPlan): string {
  const why =
    plan.requested === "classic"
      ? "this run builds with Docker's classic builder (--builder classic), which cannot build it"
      : "the grader builds with Docker's classic builder, which cannot build it";
  return (
    `the Dockerfile uses BuildKit-only syntax: ${list(blocking)}. Docker Desktop builds with BuildKit, so it may have built ` +
    `for you, but ${why}. Rewrite those lines without it (for example one RUN with && instead of a heredoc, no --mount/--link flags) — the lab needs none of it`
  );
}

function list(features: BuildkitFeature[]): string {
  return features.map((f) => `${f.feature} (line ${f.line})`).join(", ");
}

/** "20.10.24" older than "23.0"; an unparsable version is taken as current. */
export function olderThan(version: string, minimum: string): boolean {
  const have = version.split(/[.+-]/).map(Number);
  const want = minimum.split(".").map(Number);
  if (have.some((n, i) => i < 2 && Number.isNaN(n))) return false;
  for (let i = 0; i < want.length; i++) {
    if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) < want[i];
  }
  return false;
}
