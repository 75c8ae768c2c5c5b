import { fail, NOT_BUILT, pass, quote, type CheckKind, type CheckOutcome } from "./check";
import type { SubmissionFacts } from "../grading/submission-facts";
import type { LabSpec } from "../lab/lab-spec";
import type { HttpMethod } from "../probe/http";
import { matchesPattern, patternTimeout } from "./pattern";

export interface HttpProbeParams {
  /** The path requested on the lab's `app.port`; default "/". */
  path?: string;
  /** Default GET. */
  method?: HttpMethod;
  /** A body to send (POST, PUT, PATCH, DELETE), with its content type (default text/plain; charset=utf-8). */
  requestBody?: string;
  requestContentType?: string;
  /** The status expected; default 200. */
  status?: number;
  /** The body expected, exactly (surrounding whitespace ignored). */
  body?: string;
  /** Or a regular expression the body must match. */
  bodyPattern?: string;
}

/** `GET /` on port 5000, as messages and titles name the request. */
const requestLine = (params: HttpProbeParams, spec: LabSpec): string => `${params.method ?? "GET"} ${params.path ?? "/"} on port ${spec.app?.port}`;

/** The app answers a request from outside the container with the status and body the lab expects. */
export const httpProbe: CheckKind<HttpProbeParams> = {
  kind: "http-probe",
  reasons: {
    "not-built": "none",
    "not-started": "none",
    "wrong-status": "lab",
    "wrong-body": "lab",
    "not-listening": "lab",
    "no-answer": "lab",
    stopped: "none",
    "probe-failed": "none",
  },
  title: (params, spec) =>
    `${requestLine(params, spec)} answers ${params.status ?? 200}${params.body !== undefined ? ` with ${quote(params.body)}` : ""}`,
  needs: (params) => ({
    run: true,
    probe: {
      path: params.path ?? "/",
      method: params.method ?? "GET",
      ...(params.requestBody !== undefined ? { body: params.requestBody } : {}),
      ...(params.requestContentType !== undefined ? { contentType: params.requestContentType } : {}),
    },
  }),
  evaluate(facts, params, { spec }) {
    const outcome = probeVerdict(facts, params, spec);
    const first = facts.run?.firstRunUnderLoad?.probe;
    if (!first || first.kind === "response") return outcome;
    const note = outcome.passed
      ? ` (graded a second time with nothing else running; beside other submissions' builds and runs it had got "${first.detail}" for ${(first.elapsedMs / 1000).toFixed(0)} s)`
      : " (the same when graded a second time with nothing else running)";
    return { ...outcome, message: outcome.message + note };
  },
};

function probeVerdict(facts: SubmissionFacts, params: HttpProbeParams, spec: LabSpec): CheckOutcome {
  const probe = facts.run?.probe;
  if (!facts.image || !facts.run) return NOT_BUILT;
  if (!facts.run.started) return fail("not-started", `not run: the container could not be started (${facts.run.startError})`);
  const port = spec.app!.port;
  const status = params.status ?? 200;
  const target = requestLine(params, spec);
  const listening = `Is the app listening on 0.0.0.0:${port}? An app that listens only on 127.0.0.1 (localhost) cannot be reached from outside its container`;
  if (!probe) return fail("probe-failed", `${target}: no probe was made`);
  switch (probe.kind) {
    case "response": {
      const expected =
        params.body !== undefined
          ? ` with ${quote(params.body)}`
          : params.bodyPattern !== undefined
            ? ` with a body matching /${params.bodyPattern}/`
            : "";
      if (probe.status !== status) return fail("wrong-status", `${target} answered HTTP ${probe.status}; expected ${status}${expected}`);
      const body = probe.body.trim();
      const shown = `${quote(body)}${probe.bodyTruncated ? " (cut)" : ""}`;
      if (params.body !== undefined && body !== params.body)
        return fail("wrong-body", `${target} answered ${status} but with ${shown}; expected exactly ${quote(params.body)}`);
      const matched = params.bodyPattern === undefined || matchesPattern(params.bodyPattern, body);
      if (matched === "timeout") return fail("wrong-body", `${target} answered ${status} with ${shown}, but ${patternTimeout(params.bodyPattern!)}`);
      if (!matched) return fail("wrong-body", `${target} answered ${status} but with ${shown}; expected a body matching /${params.bodyPattern}/`);
      return pass(`${target} answered ${status}${params.body !== undefined ? ` with ${quote(params.body)}` : ` with ${shown}`}`);
    }
    case "refused":
      return fail("not-listening", `${target}: connection refused for ${(probe.elapsedMs / 1000).toFixed(0)} s, nothing answered. ${listening}`);
    case "closed":
      return fail(
        "not-listening",
        `${target}: the connection was closed without an answer for ${(probe.elapsedMs / 1000).toFixed(0)} s. ${listening}`,
      );
    case "timeout":
      return fail(
        "no-answer",
        `${target}: no answer within ${(probe.elapsedMs / 1000).toFixed(0)} s (the connection was accepted, but no response came)`,
      );
    case "exited":
      return fail(
        "stopped",
        `${target}: ${probe.detail}${facts.run.exitCode !== undefined ? ` (exit code ${facts.run.exitCode})` : ""}${seeRunCheck(spec)}`,
      );
    default:
      return fail("probe-failed", `${target}: ${probe.detail}`);
  }
}

/** "; see container-runs": the lab's check of the container's run, which says why it stopped. */
function seeRunCheck(spec: LabSpec): string {
  const run = spec.checks.find((c) => c.kind === "keeps-running");
  return run ? `; see ${run.id}` : "";
}
