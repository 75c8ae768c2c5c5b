import type { SubmissionFacts } from "../grading/submission-facts";
import type { LabSpec } from "../lab/lab-spec";
import { analyzeDockerfile } from "../dockerfile/analyze";
import { NOT_BUILT, type CheckContext } from "./check";
import { exposedPort } from "./exposed-port";
import { httpProbe } from "./http-probe";
import { combinedNeeds } from "./index";
import { nonRootUser } from "./non-root-user";
import { pathAbsent, pathPresent } from "./path-exists";
import { pathFromStage } from "./path-from-stage";
import { stageStructure } from "./stage-structure";

const spec = { app: { port: 8080 }, checks: [{ id: "container-runs", kind: "keeps-running", points: 1 }] } as unknown as LabSpec;
const context: CheckContext = { spec, reference: { referenceBytes: 1, baselineBytes: 2, thresholdBytes: 1, thresholdRule: "r" } };
const GO =
  'FROM golang:1.24 AS build\nRUN go build -o /out/server\nFROM scratch\nCOPY --from=build /out/server /server\nUSER 65532:65532\nENTRYPOINT ["/server"]\n';

function facts(overrides: Partial<SubmissionFacts> = {}): SubmissionFacts {
  return {
    id: "s",
    dockerfile: { read: { ok: true, text: GO }, analysis: analyzeDockerfile(GO) },
    build: {
      attempted: true,
      builder: "buildkit",
      ok: true,
      log: "",
      timedOut: false,
      timeoutSeconds: 300,
      durationMs: 1,
      steps: [],
      blockingFeatures: [],
      notes: [],
    },
    image: {
      id: "sha256:x",
      tag: "t",
      bytes: 7e6,
      countedCopies: [],
      os: "linux",
      architecture: "amd64",
      env: [],
      exposedPorts: ["8080/tcp"],
      user: "65532:65532",
    },
    paths: { entrypoint: { name: "server", size: 7e6, mode: 0o755, linkTarget: "" }, "/usr/local/go": null, "/bin/sh": null },
    entrypoint: { path: "/server" },
    provenance: {
      entrypoint: {
        origin: "copied-from-stage",
        introducedBy: "COPY --from=build /out/server /server",
        introducedAt: 4,
        fromStage: { index: 0, name: "build" },
      },
    },
    timingsMs: {},
    ...overrides,
  };
}

describe("stage-structure", () => {
  it("with finalFrom, fails a final stage FROM another image and passes FROM scratch", () => {
    expect(stageStructure.evaluate(facts(), { finalFrom: "scratch" }, context)).toMatchObject({ passed: true });
    const text = GO.replace("FROM scratch", "FROM golang:1.24");
    const outcome = stageStructure.evaluate(
      facts({ dockerfile: { read: { ok: true, text }, analysis: analyzeDockerfile(text) } }),
      { finalFrom: "scratch" },
      context,
    );
    expect(outcome).toMatchObject({
      passed: false,
      reason: "wrong-final-base",
      line: 3,
      message: 'the final stage (line 3) starts FROM "golang:1.24"; this lab asks for FROM scratch',
    });
  });

  it("counts the stages asked for", () => {
    expect(stageStructure.evaluate(facts(), { minStages: 3 }, context)).toMatchObject({
      passed: false,
      reason: "single-stage",
      message: expect.stringMatching(/^expected at least 3 stages, found 2/),
    });
  });
});

describe("http-probe", () => {
  const probed = (status: number, body: string) =>
    facts({ run: { started: true, running: true, logs: "", probe: { kind: "response", status, body, bodyTruncated: false, elapsedMs: 1 } } });

  it("checks the status and an exact body, or a pattern", () => {
    expect(httpProbe.evaluate(probed(200, "Hello from Lab 43!\n"), { body: "Hello from Lab 43!" }, context).passed).toBe(true);
    expect(httpProbe.evaluate(probed(201, "x"), { status: 201, bodyPattern: "^x$" }, context).passed).toBe(true);
    expect(httpProbe.evaluate(probed(200, "y"), { bodyPattern: "^x$" }, context)).toMatchObject({
      passed: false,
      reason: "wrong-body",
      message: expect.stringMatching(/expected a body matching \/\^x\$\//),
    });
    expect(httpProbe.evaluate(probed(500, "x"), {}, context)).toMatchObject({ passed: false, reason: "wrong-status" });
  });

  it("sends the lab's method and body, and names the method in its verdicts", () => {
    expect(httpProbe.needs({ method: "POST", path: "/echo", requestBody: '{"a":1}', requestContentType: "application/json" }, spec)).toEqual({
      run: true,
      probe: { path: "/echo", method: "POST", body: '{"a":1}', contentType: "application/json" },
    });
    expect(httpProbe.needs({}, spec)).toEqual({ run: true, probe: { path: "/", method: "GET" } });
    expect(httpProbe.evaluate(probed(405, ""), { method: "POST", path: "/echo" }, context)).toMatchObject({
      passed: false,
      reason: "wrong-status",
      message: "POST /echo on port 8080 answered HTTP 405; expected 200",
    });
    expect(httpProbe.title({ method: "HEAD" }, spec)).toBe("HEAD / on port 8080 answers 200");
  });

  it("points a stopped container at the lab's run check, by its id", () => {
    const run = {
      started: true,
      running: false,
      exitCode: 1,
      logs: "",
      probe: { kind: "exited" as const, detail: "the container stopped before it answered", elapsedMs: 1 },
    };
    expect(httpProbe.evaluate(facts({ run }), {}, context).message).toMatch(/; see container-runs$/);
  });
});

describe("path-absent and path-present", () => {
  it("name the paths that should not be there, or that are missing", () => {
    expect(pathAbsent.evaluate(facts(), { paths: ["/usr/local/go", "/bin/sh"] }, context)).toMatchObject({ passed: true });
    const withGo = facts({ paths: { "/usr/local/go": { name: "go", size: 0, mode: 0o755 | 0o40000, linkTarget: "" }, "/bin/sh": null } });
    expect(pathAbsent.evaluate(withGo, { paths: ["/usr/local/go", "/bin/sh"] }, context)).toMatchObject({
      passed: false,
      reason: "present",
      message: expect.stringMatching(/^the final image has \/usr\/local\/go, which/),
    });
    expect(pathPresent.evaluate(withGo, { paths: ["/usr/local/go", "/bin/sh"] }, context)).toMatchObject({
      passed: false,
      reason: "missing",
      message: "the final image has no /bin/sh",
    });
  });

  it("did not run when there is no image", () => {
    expect(pathAbsent.evaluate(facts({ image: undefined, paths: undefined }), { paths: ["/x"] }, context)).toEqual(NOT_BUILT);
  });
});

describe("path-from-stage", () => {
  it("passes the file the image runs when a COPY --from of a stage brought it", () => {
    expect(pathFromStage.evaluate(facts(), { path: "entrypoint" }, context)).toMatchObject({ passed: true, line: 4 });
  });

  it("with a stage, passes a copy from that stage by its name or index, and fails a copy from another", () => {
    for (const stage of ["build", "BUILD", 0, "0"]) expect(pathFromStage.evaluate(facts(), { path: "entrypoint", stage }, context).passed).toBe(true);
    expect(pathFromStage.evaluate(facts(), { path: "entrypoint", stage: "compile" }, context)).toEqual({
      passed: false,
      reason: "wrong-stage",
      line: 4,
      message:
        "/server (the file the image runs) was copied from the stage named build (by `COPY --from=build /out/server /server`, line 4); this lab asks for it to come from the stage named compile",
    });
    expect(pathFromStage.title({ path: "/server", stage: 1 }, spec)).toBe("/server was copied from stage 1 (counting from 0)");
  });

  it("fails it when the final stage made it, saying by which line", () => {
    const provenance = { entrypoint: { origin: "created-in-final-stage" as const, introducedBy: "RUN go build -o /server", introducedAt: 3 } };
    expect(pathFromStage.evaluate(facts({ provenance }), { path: "entrypoint" }, context)).toMatchObject({
      passed: false,
      reason: "not-copied",
      line: 3,
      message: expect.stringMatching(
        /^\/server \(the file the image runs\) is there, but it was created in the final stage itself, so the build tools are there too \(by `RUN go build -o \/server`, line 3\)/,
      ),
    });
  });

  it("says when the image runs nothing it can find", () => {
    const outcome = pathFromStage.evaluate(
      facts({ entrypoint: { problem: "the image sets no ENTRYPOINT or CMD" }, paths: { entrypoint: null } }),
      { path: "entrypoint" },
      context,
    );
    expect(outcome).toMatchObject({ passed: false, reason: "no-entrypoint" });
  });
});

describe("non-root-user", () => {
  it("fails no USER, root and uid 0, and passes another user", () => {
    const as = (user: string) => nonRootUser.evaluate(facts({ image: { ...facts().image!, user } }), {}, context);
    expect(as("")).toMatchObject({ passed: false, reason: "root" });
    expect(as("root")).toMatchObject({ passed: false, reason: "root" });
    expect(as("0:0")).toMatchObject({ passed: false, reason: "root" });
    expect(as("65532:65532").passed).toBe(true);
    expect(as("app").passed).toBe(true);
  });
});

describe("exposed-port", () => {
  it("defaults to the lab's port", () => {
    expect(exposedPort.evaluate(facts(), {}, context).passed).toBe(true);
    expect(exposedPort.evaluate(facts(), { port: 5000 }, context)).toMatchObject({
      passed: false,
      reason: "not-exposed",
      message: "expected EXPOSE 5000 in the final stage; it exposes 8080/tcp",
    });
  });
});

describe("combinedNeeds", () => {
  it("runs the container only when a check needs it, and merges the paths", () => {
    expect(combinedNeeds([{}, { paths: ["/a"] }, { paths: ["/a", "/b"], provenance: ["entrypoint"] }])).toEqual({
      run: false,
      probe: undefined,
      venv: false,
      paths: ["/a", "/b"],
      provenance: ["entrypoint"],
    });
    const get = { path: "/", method: "GET" as const };
    expect(combinedNeeds([{ probe: get }, { probe: { ...get } }])).toMatchObject({ run: true, probe: get });
    expect(() => combinedNeeds([{ probe: get }, { probe: { path: "/", method: "POST" } }])).toThrow(
      /one probe per run: the checks ask for GET \/ and POST \//,
    );
  });
});
