import { fail, NOT_BUILT, pass, type CheckKind } from "./check";

export interface ExposedPortParams {
  /** Default: the lab's app.port. */
  port?: number;
}

/** The image declares the app's port with EXPOSE. */
export const exposedPort: CheckKind<ExposedPortParams> = {
  kind: "exposed-port",
  reasons: { "not-built": "none", "not-exposed": "lab" },
  title: (params, spec) => `The image exposes port ${params.port ?? spec.app?.port}`,
  needs: () => ({}),
  evaluate(facts, params, { spec }) {
    if (!facts.image) return NOT_BUILT;
    const port = params.port ?? spec.app!.port;
    if (facts.image.exposedPorts.includes(`${port}/tcp`)) return pass(`EXPOSE ${port}`);
    const exposed = facts.image.exposedPorts.length ? `it exposes ${facts.image.exposedPorts.join(", ")}` : "it exposes no port";
    return fail("not-exposed", `expected EXPOSE ${port} in the final stage; ${exposed}`);
  },
};
