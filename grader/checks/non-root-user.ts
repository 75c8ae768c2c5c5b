import { fail, NOT_BUILT, pass, quote, type CheckKind } from "./check";

/** root by name or uid, with or without a group: what `USER` must not be. */
const ROOT = /^(root|0)(:.*)?$/;

/** The image runs as a user other than root (its USER is set, and is neither root nor uid 0). */
export const nonRootUser: CheckKind = {
  kind: "non-root-user",
  reasons: { "not-built": "none", root: "lab" },
  title: () => "The image runs as a non-root user",
  needs: () => ({}),
  evaluate(facts) {
    if (!facts.image) return NOT_BUILT;
    const user = facts.image.user.trim();
    if (!user)
      return fail("root", "the image sets no USER, so it runs as root. Add USER <uid>:<gid> (for example USER 65532:65532) to the final stage");
    if (ROOT.test(user)) return fail("root", `the image's USER is ${quote(user)}, which is root. Use another user (for example USER 65532:65532)`);
    return pass(`runs as ${quote(user)}`);
  },
};
