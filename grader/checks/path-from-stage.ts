import { fail, NOT_BUILT, pass, type CheckKind } from "./check";
import { whyNotCopied } from "./not-copied";

export interface PathFromStageParams {
  /** An absolute path in the final image, or `entrypoint`: the file the image runs (its ENTRYPOINT or CMD). */
  path: string;
}

/** A path of the final image (or the file it runs) came into the final stage by COPY --from an earlier stage. */
export const pathFromStage: CheckKind<PathFromStageParams> = {
  kind: "path-from-stage",
  reasons: { "not-built": "none", "no-entrypoint": "lab", missing: "lab", "not-copied": "lab" },
  title: ({ path }) => `${path === "entrypoint" ? "The file the image runs" : path} was copied from a build stage`,
  needs: ({ path }) => ({ paths: [path], provenance: [path] }),
  evaluate(facts, { path }) {
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
    return pass(
      `${what} was brought into the final stage by \`${provenance.introducedBy}\` (line ${provenance.introducedAt})`,
      provenance.introducedAt,
    );
  },
};
