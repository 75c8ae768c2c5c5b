import { fail, NOT_BUILT, pass, type CheckKind } from "./check";
import { byStep, whyNotCopied } from "./not-copied";

export interface PathFromStageParams {
  /** An absolute path in the final image, or `entrypoint`: the file the image runs (its ENTRYPOINT or CMD). */
  path: string;
  /** The stage it must be copied from: its name (`AS build`) or its index (0 for the first), as `--from=` names it. */
  stage?: string | number;
}

/** Whether the stage a path was copied from is the one the lab names. */
function isStage(fromStage: { index: number; name?: string } | undefined, stage: string | number): boolean {
  if (!fromStage) return false;
  return typeof stage === "number" ? fromStage.index === stage : fromStage.name === stage.toLowerCase() || String(fromStage.index) === stage;
}

const stageWords = (stage: string | number): string => (typeof stage === "number" ? `stage ${stage} (counting from 0)` : `the stage named ${stage}`);

/** A path of the final image (or the file it runs) came into the final stage by COPY --from an earlier stage. */
export const pathFromStage: CheckKind<PathFromStageParams> = {
  kind: "path-from-stage",
  reasons: { "not-built": "none", "no-entrypoint": "lab", missing: "lab", "not-copied": "lab", "wrong-stage": "lab" },
  title: ({ path, stage }) =>
    `${path === "entrypoint" ? "The file the image runs" : path} was copied from ${stage === undefined ? "a build stage" : stageWords(stage)}`,
  needs: ({ path }) => ({ paths: [path], provenance: [path] }),
  evaluate(facts, { path, stage }) {
    if (!facts.image || !facts.paths) return NOT_BUILT;
    let target = path;
    if (path === "entrypoint") {
      const entrypoint = facts.entrypoint;
      if (!entrypoint?.path)
        return fail("no-entrypoint", `the image runs no file the grader can find: ${entrypoint?.problem ?? "it sets no ENTRYPOINT or CMD"}`);
      target = entrypoint.path;
    }
    const what = path === "entrypoint" ? `${target} (the file the image runs)` : target;
    if (!facts.paths[path]) return fail("missing", `the final image has no ${what}`);
    const provenance = facts.provenance?.[path];
    if (provenance?.origin !== "copied-from-stage") {
      return fail(
        "not-copied",
        `${what} is there, but ${whyNotCopied(provenance)}. Build it in an earlier stage and copy it with COPY --from=<that stage>`,
        provenance?.introducedAt,
      );
    }
    if (stage !== undefined && !isStage(provenance.fromStage, stage)) {
      const from = provenance.fromStage;
      const actual = from ? (from.name ? `the stage named ${from.name}` : `stage ${from.index}`) : "another stage";
      return fail(
        "wrong-stage",
        `${what} was copied from ${actual}${byStep(provenance)}; this lab asks for it to come from ${stageWords(stage)}`,
        provenance.introducedAt,
      );
    }
    return pass(
      `${what} was brought into the final stage by \`${provenance.introducedBy}\` (line ${provenance.introducedAt})`,
      provenance.introducedAt,
    );
  },
};
