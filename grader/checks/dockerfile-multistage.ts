import { fail, pass, type Check } from "./check";
import { copiesFrom } from "../dockerfile/analyze";

export const dockerfileMultistage: Check = {
  id: "dockerfile-multistage",
  title: "The Dockerfile is a multi-stage build",
  defaultPoints: 2,
  reasons: { "no-dockerfile": "none", "parse-error": "none", "single-stage": "lab", "no-copy-from-stage": "lab" },
  evaluate(facts) {
    const { read, analysis } = facts.dockerfile;
    if (!read.ok || !analysis) return fail("no-dockerfile", `not run: ${read.ok ? "the Dockerfile could not be analysed" : read.message}`);
    if (analysis.problems.length) {
      return fail("parse-error", `the Dockerfile does not parse: ${analysis.problems.slice(0, 3).join("; ")}. Fix these lines and build it again locally`);
    }
    const stages = analysis.stages;
    if (stages.length < 2) {
      return fail(
        "single-stage",
        `expected at least 2 stages, found ${stages.length} (one FROM). Build in a first stage (FROM … AS builder), ` +
          `then start the runtime stage with a second FROM and bring over what it needs with COPY --from=builder`,
      );
    }
    const final = stages[stages.length - 1];
    const fromStage = copiesFrom(final).find((c) => c.stageIndex !== undefined);
    if (!fromStage) {
      const other = copiesFrom(final)[0];
      const found = other ? `its only COPY --from (line ${other.line}) names ${JSON.stringify(other.from)}, which is not an earlier stage` : "it has no COPY --from";
      return fail(
        "no-copy-from-stage",
        `the final stage (line ${final.line}) copies nothing from an earlier stage: ${found}. ` +
          `Add COPY --from=<stage name or index> for what the app needs`,
        final.line,
      );
    }
    const source = stages[fromStage.stageIndex!];
    const named = source.name ? `"${source.name}"` : `#${source.index}`;
    return pass(`${stages.length} stages; the final stage copies from stage ${named} (line ${fromStage.line})`, fromStage.line);
  },
};
