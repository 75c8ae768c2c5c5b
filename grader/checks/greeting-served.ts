import { fail, NOT_BUILT, pass, quote, type Check, type CheckContext, type CheckOutcome } from "./check";
import type { SubmissionFacts } from "../grading/submission-facts";

export const greetingServed: Check = {
  id: "greeting-served",
  title: "The app serves the greeting",
  defaultPoints: 2,
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
  evaluate(facts, context) {
    const outcome = probeVerdict(facts, context);
    const first = facts.run?.firstRunUnderLoad?.probe;
    if (!first || first.kind === "response") return outcome;
    const note = outcome.passed
      ? ` (graded a second time with nothing else running; beside other submissions' builds and runs it had got "${first.detail}" for ${(first.elapsedMs / 1000).toFixed(0)} s)`
      : " (the same when graded a second time with nothing else running)";
    return { ...outcome, message: outcome.message + note };
  },
};

function probeVerdict(facts: SubmissionFacts, { spec }: CheckContext): CheckOutcome {
  const probe = facts.run?.probe;
  if (!facts.image || !facts.run) return NOT_BUILT;
  if (!facts.run.started) return fail("not-started", `not run: the container could not be started (${facts.run.startError})`);
  const { port, path, greeting } = spec.app;
  const target = `GET ${path} on port ${port}`;
  const listenHint = `Is the app listening on 0.0.0.0:${port}? Flask's app.run() listens on 127.0.0.1 unless you pass host='0.0.0.0'`;
  if (!probe) return fail("probe-failed", `${target}: no probe was made`);
  switch (probe.kind) {
    case "response": {
      if (probe.status !== 200) return fail("wrong-status", `${target} answered HTTP ${probe.status}; expected 200 with ${quote(greeting)}`);
      const body = probe.body.trim();
      if (body === greeting) return pass(`${target} answered 200 with ${quote(greeting)}`);
      return fail("wrong-body", `${target} answered 200 but with ${quote(body)}${probe.bodyTruncated ? " (cut)" : ""}; expected exactly ${quote(greeting)}`);
    }
    case "refused":
      return fail("not-listening", `${target}: connection refused for ${(probe.elapsedMs / 1000).toFixed(0)} s, nothing answered. ${listenHint}`);
    case "closed":
      return fail("not-listening", `${target}: the connection was closed without an answer for ${(probe.elapsedMs / 1000).toFixed(0)} s. ${listenHint}`);
    case "timeout":
      return fail("no-answer", `${target}: no answer within ${(probe.elapsedMs / 1000).toFixed(0)} s (the connection was accepted, but no response came)`);
    case "exited":
      return fail("stopped", `${target}: ${probe.detail}${facts.run.exitCode !== undefined ? ` (exit code ${facts.run.exitCode})` : ""}; see container-runs`);
    default:
      return fail("probe-failed", `${target}: ${probe.detail}`);
  }
}
