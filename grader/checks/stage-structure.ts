import { fail, pass, type CheckKind } from "./check";
import { copiesFrom } from "../dockerfile/analyze";
import { normalizeImage } from "../dockerfile/policy";

export interface StageStructureParams {
  /** At least this many stages (FROM lines); default 2. */
  minStages?: number;
  /** The final stage must start FROM this image (e.g. scratch). */
  finalFrom?: string;
}

/** The Dockerfile parses, has enough stages, and its final stage copies from an earlier stage (and starts FROM the image asked for). */
export const stageStructure: CheckKind<StageStructureParams> = {
  kind: "stage-structure",
  reasons: { "no-dockerfile": "none", "parse-error": "none", "single-stage": "lab", "no-copy-from-stage": "lab", "wrong-final-base": "lab" },
  title: ({ minStages = 2, finalFrom }) =>
    `The Dockerfile is a multi-stage build (≥ ${minStages} stages${finalFrom ? `, the last FROM ${finalFrom}` : ""})`,
  needs: () => ({}),
  evaluate(facts, { minStages = 2, finalFrom }) {
    const { read, analysis } = facts.dockerfile;
    if (!read.ok || !analysis) return fail("no-dockerfile", `not run: ${read.ok ? "the Dockerfile could not be analysed" : read.message}`);
    if (analysis.problems.length) {
      return fail(
        "parse-error",
        `the Dockerfile does not parse: ${analysis.problems.slice(0, 3).join("; ")}. Fix these lines and build it again locally`,
      );
    }
    const stages = analysis.stages;
    if (stages.length < minStages) {
      return fail(
        "single-stage",
        `expected at least ${minStages} stages, found ${stages.length} (${stages.length === 1 ? "one FROM" : `${stages.length} FROM lines`}). Build in a first stage (FROM … AS builder), ` +
          `then start the runtime stage with a second FROM and bring over what it needs with COPY --from=builder`,
      );
    }
    const final = stages[stages.length - 1];
    const fromStage = copiesFrom(final).find((c) => c.stageIndex !== undefined);
    if (!fromStage) {
      const other = copiesFrom(final)[0];
      const found = other
        ? `its only COPY --from (line ${other.line}) names ${JSON.stringify(other.from)}, which is not an earlier stage`
        : "it has no COPY --from";
      return fail(
        "no-copy-from-stage",
        `the final stage (line ${final.line}) copies nothing from an earlier stage: ${found}. ` +
          `Add COPY --from=<stage name or index> for what the app needs`,
        final.line,
      );
    }
    if (finalFrom && (final.baseStageIndex !== undefined || normalizeImage(final.baseImage) !== normalizeImage(finalFrom))) {
      const actual = final.baseStageIndex !== undefined ? `the earlier stage ${JSON.stringify(final.baseImage)}` : JSON.stringify(final.baseImage);
      return fail("wrong-final-base", `the final stage (line ${final.line}) starts FROM ${actual}; this lab asks for FROM ${finalFrom}`, final.line);
    }
    const source = stages[fromStage.stageIndex!];
    const named = source.name ? `"${source.name}"` : `#${source.index}`;
    return pass(`${stages.length} stages; the final stage copies from stage ${named} (line ${fromStage.line})`, fromStage.line);
  },
};
