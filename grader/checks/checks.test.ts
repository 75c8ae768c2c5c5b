import type { SubmissionFacts } from "../grading/submission-facts";
import { loadLabSpec } from "../lab/lab-spec";
import { analyzeDockerfile } from "../dockerfile/analyze";
import type { Check, CheckContext } from "./check";
import { labChecks } from "./index";

const spec = loadLabSpec("specs/lab42.yaml");
const lab42 = (id: string): Check => labChecks(spec).find((c) => c.id === id)!;
const [dockerfileMultistage, imageBuilds, containerRuns, greetingServed, venvCopied, sizeUnderThreshold] = [
  "dockerfile-multistage",
  "image-builds",
  "container-runs",
  "greeting-served",
  "venv-copied",
  "size-under-threshold",
].map(lab42);

const context: CheckContext = {
  spec,
  reference: { referenceBytes: 100e6, baselineBytes: 120e6, thresholdBytes: 110e6, thresholdRule: "1.10 × the reference solution" },
};

const MULTI = "FROM python:3.9-slim AS builder\nRUN python -m venv /app/venv\nFROM python:3.9-slim\nCOPY --from=builder /app/venv /app/venv\n";

/** Facts of a submission that built and ran correctly; tests override what they need. */
function facts(overrides: Partial<SubmissionFacts> = {}): SubmissionFacts {
  return {
    id: "s",
    dockerfile: { read: { ok: true, text: MULTI }, analysis: analyzeDockerfile(MULTI) },
    build: {
      attempted: true,
      builder: "classic",
      ok: true,
      log: "",
      timedOut: false,
      timeoutSeconds: 300,
      durationMs: 1000,
      steps: [],
      blockingFeatures: [],
      notes: [],
    },
    image: { id: "sha256:x", tag: "t", bytes: 100e6, countedCopies: [], os: "linux", architecture: "amd64", env: [], exposedPorts: [], user: "" },
    run: {
      started: true,
      running: true,
      logs: "",
      probe: { kind: "response", status: 200, body: "Hello, Docker Multi-Stage Build!\n", bodyTruncated: false, elapsedMs: 5 },
    },
    venv: {
      candidates: ["/app/venv"],
      path: "/app/venv",
      flaskPath: "/app/venv/lib/python3.9/site-packages/flask/__init__.py",
      origin: "copied-from-stage",
      introducedBy: "COPY --from=builder /app/venv /app/venv",
      introducedAt: 9,
    },
    timingsMs: {},
    ...overrides,
  };
}

describe("the Lab 42 checks, as specs/lab42.yaml declares them, on facts", () => {
  it("all pass on a correct submission", () => {
    for (const check of [dockerfileMultistage, imageBuilds, containerRuns, greetingServed, venvCopied, sizeUnderThreshold]) {
      expect({ id: check.id, ...check.evaluate(facts(), context) }).toMatchObject({ id: check.id, passed: true });
    }
  });

  it("dockerfile-multistage: a COPY --from of an image does not count as a stage", () => {
    const text = "FROM a AS b\nFROM c\nCOPY --from=python:3.9 /x /y\n";
    const outcome = dockerfileMultistage.evaluate(facts({ dockerfile: { read: { ok: true, text }, analysis: analyzeDockerfile(text) } }), context);
    // The line is the final stage's FROM, where its COPY --from of an earlier stage belongs
    expect(outcome).toEqual({
      passed: false,
      reason: "no-copy-from-stage",
      message: expect.stringMatching(/names "python:3.9", which is not an earlier stage/),
      line: 2,
    });
  });

  it("image-builds: a timeout says where the build was stopped", () => {
    const outcome = imageBuilds.evaluate(
      facts({ build: { ...facts().build, ok: false, timedOut: true, lastStep: "Step 3/5 : RUN sleep infinity" } }),
      context,
    );
    expect(outcome.message).toMatch(/did not finish within 300 s and was stopped at Step 3\/5 : RUN sleep infinity/);
  });

  it("image-builds: a failed BuildKit build shows the failed step's own output, not the steps beside it", () => {
    const build = {
      ...facts().build,
      builder: "buildkit" as const,
      ok: false,
      error: "process did not complete successfully: exit code: 1",
      lastStep: "[builder 3/4] RUN pip install -r requirements.txt",
      log: "#7 output of the failed step\n#9 output of a parallel stage\n",
      failedStepOutput: "No matching distribution found for flask==99\nERROR: process did not complete successfully: exit code: 1",
    };
    const outcome = imageBuilds.evaluate(facts({ build }), context);
    expect(outcome.message).toBe(
      "the build failed at [builder 3/4] RUN pip install -r requirements.txt: process did not complete successfully: exit code: 1\n" +
        "Last lines of that step's output:\nNo matching distribution found for flask==99\nERROR: process did not complete successfully: exit code: 1",
    );
  });

  it("image-builds: a step of an offline build that tried the network is told the lab gives builds none; online, or another failure, nothing is added", () => {
    const online = { ...context, spec: { ...spec, sandbox: { ...spec.sandbox, buildNetwork: "default" as const } } };
    const failed = (output: string, offline: boolean) =>
      imageBuilds.evaluate(
        facts({
          build: {
            ...facts().build,
            builder: "buildkit",
            ok: false,
            error: "process did not complete successfully: exit code: 1",
            lastStep: "[builder 3/4] RUN pip install flask",
            failedStepOutput: output,
          },
        }),
        offline ? context : online,
      ).message;
    const pip =
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 101] Network is unreachable')': /simple/flask/";
    expect(failed(pip, true)).toMatch(
      /^the build failed at \[builder 3\/4\] RUN pip install flask: process did not complete successfully: exit code: 1\. That step tried to reach the network, and this lab's builds have none .*sandbox\.buildNetwork is none\)\nLast lines/,
    );
    expect(failed("E: Could not resolve 'deb.debian.org'", true)).toMatch(/this lab's builds have none/);
    expect(failed("go: github.com/x/y@v1: dial tcp: lookup proxy.golang.org on 10.0.0.2:53: no such host", true)).toMatch(
      /this lab's builds have none/,
    );
    expect(failed(pip, false)).not.toMatch(/builds have none/);
    expect(failed("ModuleNotFoundError: No module named 'flask'", true)).not.toMatch(/builds have none/);
  });

  it("image-builds and container-runs: say a build or a container was stopped for writing past the disk budget", () => {
    const diskBudgetExceeded = { writtenBytes: 900 * 1024 ** 2, budgetBytes: 128 * 1024 ** 2 };
    const build = imageBuilds.evaluate(
      facts({ build: { ...facts().build, ok: false, diskBudgetExceeded, lastStep: "Step 3/9 : RUN dd if=/dev/zero of=/fill" } }),
      context,
    );
    expect(build).toEqual({
      passed: false,
      reason: "disk-budget",
      message: expect.stringMatching(/^the build wrote 900 MiB to the engine's disk; the budget is 128 MiB; it was stopped at Step 3\/9 : RUN dd/),
    });
    const run = containerRuns.evaluate(facts({ run: { started: true, running: false, exitCode: 137, logs: "", diskBudgetExceeded } }), context);
    expect(run).toEqual({
      passed: false,
      reason: "disk-budget",
      message: expect.stringMatching(/^the container wrote 900 MiB to the engine's disk; the budget is 128 MiB, so it was stopped/),
    });
  });

  it("container-runs: says OOM-killed when it was", () => {
    const outcome = containerRuns.evaluate(facts({ run: { started: true, running: false, exitCode: 137, oomKilled: true, logs: "" } }), context);
    expect(outcome).toEqual({
      passed: false,
      reason: "out-of-memory",
      message: expect.stringMatching(/killed for using more than 512 MiB of memory \(OOM\)/),
    });
  });

  it("greeting-served: says when the verdict comes from a second run with nothing else running, and what the first saw", () => {
    const refused = { kind: "refused" as const, detail: "connection refused", elapsedMs: 19_400 };
    const firstRunUnderLoad = { probe: refused, running: true };
    const answered = greetingServed.evaluate(facts({ run: { ...facts().run!, firstRunUnderLoad } }), context);
    expect(answered).toEqual({
      passed: true,
      message: expect.stringMatching(
        /answered 200 .* \(graded a second time with nothing else running; beside other submissions' builds and runs it had got "connection refused" for 19 s\)$/,
      ),
    });
    const again = greetingServed.evaluate(facts({ run: { ...facts().run!, probe: refused, firstRunUnderLoad } }), context);
    expect(again).toEqual({
      passed: false,
      reason: "not-listening",
      message: expect.stringMatching(/connection refused for 19 s, .* \(the same when graded a second time with nothing else running\)$/),
    });
  });

  it("greeting-served: ignores surrounding whitespace but not other text; quotes bodies safely", () => {
    const probe = (body: string) => ({
      ...facts().run!,
      probe: { kind: "response" as const, status: 200, body, bodyTruncated: false, elapsedMs: 1 },
    });
    expect(greetingServed.evaluate(facts({ run: probe("  Hello, Docker Multi-Stage Build!\n\n") }), context).passed).toBe(true);
    const wrong = greetingServed.evaluate(facts({ run: probe("Hello\u001b[2J, Docker") }), context);
    expect(wrong.passed).toBe(false);
    expect(wrong.message).toContain('"Hello\\\\x1b[2J, Docker"');
  });

  it("greeting-served: a wrong status is reported with the expected greeting", () => {
    const run = { ...facts().run!, probe: { kind: "response" as const, status: 404, body: "nope", bodyTruncated: false, elapsedMs: 1 } };
    expect(greetingServed.evaluate(facts({ run }), context).message).toMatch(
      /answered HTTP 404; expected 200 with "Hello, Docker Multi-Stage Build!"/,
    );
  });

  it("greeting-served: an app that accepts and never answers is a timeout, not a listening problem", () => {
    const run = { ...facts().run!, probe: { kind: "timeout" as const, detail: "", elapsedMs: 20_000 } };
    const outcome = greetingServed.evaluate(facts({ run }), context);
    expect(outcome.message).toMatch(/no answer within 20 s/);
    expect(outcome.message).not.toMatch(/0\.0\.0\.0/);
  });

  it("venv-copied: a venv without Flask fails, naming the venv", () => {
    const outcome = venvCopied.evaluate(facts({ venv: { ...facts().venv!, flaskPath: undefined } }), context);
    expect(outcome.message).toMatch(/the virtualenv \/app\/venv has no Flask/);
  });

  it("venv-copied: a venv inherited through FROM builder fails", () => {
    const outcome = venvCopied.evaluate(facts({ venv: { ...facts().venv!, origin: "inherited-from-base" } }), context);
    expect(outcome.message).toMatch(/already in the image the final stage starts FROM/);
  });

  it("size-under-threshold: just over the threshold fails, at it passes", () => {
    const at = (bytes: number) => sizeUnderThreshold.evaluate(facts({ image: { ...facts().image!, bytes } }), context);
    expect(at(110e6).passed).toBe(true);
    expect(at(110e6 + 1).passed).toBe(false);
    expect(at(90e6).message).toMatch(/25\.0% smaller/);
  });

  it("size-under-threshold: says when the image's architecture differs from the reference's", () => {
    const ctx = { ...context, reference: { ...context.reference, architecture: "amd64" } };
    const outcome = sizeUnderThreshold.evaluate(facts({ image: { ...facts().image!, architecture: "arm64" } }), ctx);
    expect(outcome.message).toMatch(/your image is built for arm64, the reference for amd64; sizes differ between architectures/);
    expect(sizeUnderThreshold.evaluate(facts(), ctx).message).not.toMatch(/architectures/);
  });

  it("size-under-threshold: compares with the same-base reference when there is one, and says so", () => {
    const sizeReference = {
      referenceBytes: 200e6,
      baselineBytes: 220e6,
      thresholdBytes: 220e6,
      thresholdRule: "1.10 × the reference solution rebuilt on python:3.11-slim",
    };
    const outcome = sizeUnderThreshold.evaluate(facts({ image: { ...facts().image!, bytes: 150e6 }, sizeReference }), context);
    expect(outcome.passed).toBe(true);
    expect(outcome.message).toMatch(/the threshold is 220\.0 MB \(1\.10 × the reference solution rebuilt on python:3\.11-slim, which is 200\.0 MB\)/);
  });

  it("every check that needs an image says it did not build", () => {
    const unbuilt = facts({ image: undefined, run: undefined, venv: undefined, build: { ...facts().build, ok: false } });
    for (const check of [containerRuns, greetingServed, venvCopied, sizeUnderThreshold]) {
      expect(check.evaluate(unbuilt, context)).toEqual({
        passed: false,
        reason: "not-built",
        message: "not run: the image did not build (see image-builds)",
      });
    }
  });
});
