import { fail, NOT_BUILT, pass, type CheckKind } from "./check";
import type { PathOrigin } from "../inspect/path-provenance";

export interface PathFromStageParams {
  /** An absolute path in the final image, or `entrypoint`: the file the image runs (its ENTRYPOINT or CMD). */
  path: string;
}

const WHY_NOT_COPIED: Record<Exclude<PathOrigin, "copied-from-stage">, string> = {
  "copied-from-image": "it was copied from another image, not from a stage of this Dockerfile",
  "copied-from-context": "it was copied from the submission's own files, not built in a stage",
  "created-in-final-stage": "it was made in the final stage itself, so the build tools are there too",
  "inherited-from-base": "it was already in the image the final stage starts FROM",
};

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
      const by = provenance?.introducedBy ? ` (by \`${provenance.introducedBy}\`, line ${provenance.introducedAt})` : "";
      const why = provenance?.origin ? WHY_NOT_COPIED[provenance.origin] : "the grader could not tell which step brought it in";
      return fail(
        "not-copied",
        `${what} is there, but ${why}${by}. Build it in an earlier stage and copy it with COPY --from=<that stage>`,
        provenance?.introducedAt,
      );
    }
    return pass(
      `${what} was brought into the final stage by \`${provenance.introducedBy}\` (line ${provenance.introducedAt})`,
      provenance.introducedAt,
    );
  },
};
