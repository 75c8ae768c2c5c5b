import { fail, NOT_BUILT, pass, type CheckKind } from "./check";
import type { SubmissionFacts } from "../grading/submission-facts";

export interface PathsParams {
  paths: string[];
}

/** The paths, each with what the final image has there (undefined: absent), or undefined when not looked up. */
function lookedUp(facts: SubmissionFacts, paths: string[]): { path: string; present: boolean }[] | undefined {
  const found = facts.paths;
  if (!found) return undefined;
  return paths.map((path) => ({ path, present: Boolean(found[path]) }));
}

/** None of the paths exists in the final image (for example no compiler, no shell). */
export const pathAbsent: CheckKind<PathsParams> = {
  kind: "path-absent",
  reasons: { "not-built": "none", present: "lab" },
  title: ({ paths }) => `The final image has none of ${paths.join(", ")}`,
  needs: ({ paths }) => ({ paths }),
  evaluate(facts, { paths }) {
    const found = facts.image && lookedUp(facts, paths);
    if (!found) return NOT_BUILT;
    const present = found.filter((p) => p.present).map((p) => p.path);
    if (present.length) {
      return fail(
        "present",
        `the final image has ${present.join(", ")}, which it should not. Leave build tools in the build stage and copy only what the app needs into the final stage`,
      );
    }
    return pass(`none of ${paths.join(", ")} is in the final image`);
  },
};

/** Every path exists in the final image. */
export const pathPresent: CheckKind<PathsParams> = {
  kind: "path-present",
  reasons: { "not-built": "none", missing: "lab" },
  title: ({ paths }) => `The final image has ${paths.join(", ")}`,
  needs: ({ paths }) => ({ paths }),
  evaluate(facts, { paths }) {
    const found = facts.image && lookedUp(facts, paths);
    if (!found) return NOT_BUILT;
    const missing = found.filter((p) => !p.present).map((p) => p.path);
    if (missing.length) return fail("missing", `the final image has no ${missing.join(", ")}`);
    return pass(`the final image has ${paths.join(", ")}`);
  },
};
