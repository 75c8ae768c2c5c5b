import { fail, NOT_BUILT, pass, type CheckKind } from "./check";
import { whyNotCopied } from "./not-copied";

/** A Python virtualenv with Flask in the final image, brought into the final stage by COPY --from an earlier stage. */
export const venvFromStage: CheckKind = {
  kind: "venv-from-stage",
  reasons: { "not-built": "none", "no-venv": "lab", "no-flask": "lab", "not-copied": "lab" },
  title: () => "A virtualenv with Flask was copied from a build stage",
  needs: () => ({ venv: true }),
  evaluate(facts) {
    const venv = facts.venv;
    if (!facts.image || !venv) return NOT_BUILT;
    const fix =
      "Create it in the builder stage (python -m venv /app/venv, then /app/venv/bin/pip install -r requirements.txt) and copy it with COPY --from=builder /app/venv /app/venv";
    if (!venv.path) {
      const where = venv.candidates.length
        ? `looked in ${venv.candidates.join(", ")}`
        : "the final stage copies nothing and sets no venv on PATH or in CMD";
      return fail("no-venv", `no virtualenv (a directory with pyvenv.cfg) in the final image (${where}). ${fix}`);
    }
    if (!venv.flaskPath)
      return fail(
        "no-flask",
        `the virtualenv ${venv.path} has no Flask in it. Install the requirements with ${venv.path}/bin/pip in the builder stage`,
      );
    if (venv.origin !== "copied-from-stage") {
      const why = whyNotCopied(venv, {
        "inherited-from-base": " (the final stage builds on the builder); start the final stage FROM a python image instead",
      });
      return fail("not-copied", `the virtualenv ${venv.path} has Flask, but ${why}. ${fix}`, venv.introducedAt);
    }
    return pass(
      `virtualenv ${venv.path} with Flask, brought into the final stage by \`${venv.introducedBy}\` (line ${venv.introducedAt})`,
      venv.introducedAt,
    );
  },
};
