import { analyzeDockerfile, copiesFrom } from "./analyze";

const finalCopies = (text: string) => {
  const facts = analyzeDockerfile(text);
  return facts.stages.length ? copiesFrom(facts.stages[facts.stages.length - 1]) : [];
};

describe("analyzeDockerfile", () => {
  it("finds two stages and the final stage's COPY --from a named stage", () => {
    const facts = analyzeDockerfile(
      "FROM python:3.9-slim AS builder\nWORKDIR /app\nRUN python -m venv /app/venv\nFROM python:3.9-slim\nWORKDIR /app\nCOPY --from=builder /app/venv /app/venv\n",
    );
    expect(facts.problems).toEqual([]);
    expect(facts.stages.map((s) => [s.name, s.baseImage])).toEqual([
      ["builder", "python:3.9-slim"],
      [undefined, "python:3.9-slim"],
    ]);
    expect(copiesFrom(facts.stages[1])).toEqual([{ line: 6, from: "builder", stageIndex: 0, sources: ["/app/venv"], destination: "/app/venv" }]);
  });

  it("resolves COPY --from=0 to the first stage", () => {
    expect(finalCopies("FROM a\nFROM b\nCOPY --from=0 /x /y\n")[0].stageIndex).toBe(0);
  });

  it("does not resolve --from to the current or a later stage index", () => {
    expect(finalCopies("FROM a\nFROM b\nCOPY --from=1 /x /y\n")[0].stageIndex).toBeUndefined();
  });

  it("treats --from=<image> as no stage", () => {
    expect(finalCopies("FROM a AS b\nFROM c\nCOPY --from=python:3.9 /x /y\n")[0].stageIndex).toBeUndefined();
  });

  it("accepts keywords and AS in lower case and matches stage names in any case", () => {
    const copies = finalCopies("from python:3.9 as Builder\nfrom python:3.9\ncopy --from=BUILDER /a /b\n");
    expect(copies[0].stageIndex).toBe(0);
  });

  it("reads --from among other flags (--chown before --from)", () => {
    const copies = finalCopies("FROM a AS b\nFROM c\nCOPY --chown=app:app --from=b /v /opt/v\n");
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ from: "b", stageIndex: 0, destination: "/opt/v" });
  });

  it("handles CRLF line endings", () => {
    const facts = analyzeDockerfile("FROM a AS b\r\nFROM c\r\nCOPY --from=b /v /v\r\n");
    expect(facts.problems).toEqual([]);
    expect(copiesFrom(facts.stages[1])[0].destination).toBe("/v");
  });

  it("ignores comments and keeps line numbers right", () => {
    const copies = finalCopies("# build\nFROM a AS b\n# runtime\n\nFROM c\n# copy it\nCOPY --from=b /v /v\n");
    expect(copies[0].line).toBe(7);
  });

  it("follows line continuations", () => {
    const copies = finalCopies("FROM a AS b\nFROM c\nCOPY --from=b \\\n  /app/venv \\\n  /app/venv\n");
    expect(copies[0]).toMatchObject({ sources: ["/app/venv"], destination: "/app/venv", line: 3 });
  });

  it("expands ARG in FROM", () => {
    const facts = analyzeDockerfile("ARG PY=3.9\nFROM python:${PY}-slim AS b\nFROM python:$PY-slim\n");
    expect(facts.stages.map((s) => s.baseImage)).toEqual(["python:3.9-slim", "python:3.9-slim"]);
    expect(facts.problems).toEqual([]);
  });

  it("records a FROM that names an earlier stage", () => {
    const facts = analyzeDockerfile("FROM python:3.9 AS base\nFROM base AS runtime\n");
    expect(facts.stages[1].baseStageIndex).toBe(0);
  });

  it("reports a stage name used twice", () => {
    expect(analyzeDockerfile("FROM a AS x\nFROM b AS x\n").problems).toEqual(['line 2: the stage name "x" is used twice']);
  });

  it("resolves a relative destination against WORKDIR", () => {
    expect(finalCopies("FROM a AS b\nFROM c\nWORKDIR /app\nCOPY --from=b /v venv\n")[0].destination).toBe("/app/venv");
    expect(finalCopies("FROM a AS b\nFROM c\nWORKDIR /app\nCOPY --from=b /app/app.py .\n")[0].destination).toBe("/app");
  });

  it("reads exec-form COPY", () => {
    expect(finalCopies('FROM a AS b\nFROM c\nCOPY --from=b ["/v", "/opt/v"]\n')[0]).toMatchObject({ sources: ["/v"], destination: "/opt/v" });
  });

  it("reads ENV PATH and exec-form CMD of the final stage", () => {
    const facts = analyzeDockerfile('FROM a\nENV PATH="/opt/venv/bin:$PATH"\nCMD ["python", "app.py"]\n');
    expect(facts.stages[0].envPath).toBe("/opt/venv/bin:$PATH");
    expect(facts.stages[0].cmd).toEqual(["python", "app.py"]);
  });

  it("reads shell-form CMD and ENTRYPOINT", () => {
    const facts = analyzeDockerfile("FROM a\nENTRYPOINT /app/venv/bin/python app.py\n");
    expect(facts.stages[0].entrypoint).toEqual(["/app/venv/bin/python", "app.py"]);
  });

  it("reports a missing FROM", () => {
    expect(analyzeDockerfile("RUN echo hi\n").problems).toEqual([
      "line 1: RUN comes before the first FROM",
      "no FROM instruction: a Dockerfile must start a stage with FROM",
    ]);
  });

  it("reports an empty Dockerfile", () => {
    expect(analyzeDockerfile("").problems).toEqual(["no FROM instruction: a Dockerfile must start a stage with FROM"]);
  });

  it("reports unknown instructions (a parse error for Docker)", () => {
    expect(analyzeDockerfile("FROM a\nCOPPY x y\n").problems).toEqual(['line 2: unknown instruction "COPPY"']);
  });

  it("reports --from without =", () => {
    expect(analyzeDockerfile("FROM a AS b\nFROM c\nCOPY --from b /v /v\n").problems).toEqual(["line 3: --from needs a value (write --from=<stage>)"]);
  });

  it("finds heredocs as blocking BuildKit syntax", () => {
    const facts = analyzeDockerfile("FROM a\nRUN <<EOF\necho hi\nEOF\n");
    expect(facts.buildkitFeatures).toEqual([{ line: 2, feature: "RUN with a heredoc (<<)", blocking: true, minEngine: "23.0" }]);
    expect(facts.problems).toEqual([]);
  });

  it("finds RUN --mount and COPY --link as blocking, a # syntax directive as not blocking", () => {
    const facts = analyzeDockerfile(
      "# syntax=docker/dockerfile:1\nFROM a AS b\nRUN --mount=type=cache,target=/root/.cache pip install flask\nFROM c\nCOPY --link --from=b /v /v\n",
    );
    expect(facts.syntaxDirective).toBe("docker/dockerfile:1");
    expect(facts.buildkitFeatures).toEqual([
      { line: 1, feature: "# syntax=docker/dockerfile:1", blocking: false },
      { line: 3, feature: "RUN --mount=type=cache", blocking: true },
      { line: 5, feature: "COPY --link", blocking: true, minEngine: "23.0" },
    ]);
    expect(copiesFrom(facts.stages[1])[0].stageIndex).toBe(0);
  });

  it("tells RUN --mount types apart, keeps what a mount reads from, and marks what the grader refuses", () => {
    const facts = analyzeDockerfile(
      "FROM a AS b\nRUN --mount=source=x,target=/x true\nRUN --mount=type=secret,id=s true\nRUN --mount=type=ssh true\n" +
        "RUN --mount=type=bind,from=other:1,target=/o true\nRUN --network=host true\nRUN --network=none true\nRUN --security=insecure true\n",
    );
    expect(
      facts.buildkitFeatures.map(({ line, feature, refused, mountFrom }) => ({ line, feature, refused: refused !== undefined, mountFrom })),
    ).toEqual([
      { line: 2, feature: "RUN --mount=type=bind", refused: false, mountFrom: undefined },
      { line: 3, feature: "RUN --mount=type=secret", refused: true, mountFrom: undefined },
      { line: 4, feature: "RUN --mount=type=ssh", refused: true, mountFrom: undefined },
      { line: 5, feature: "RUN --mount=type=bind", refused: false, mountFrom: "other:1" },
      { line: 6, feature: "RUN --network=host", refused: true, mountFrom: undefined },
      { line: 7, feature: "RUN --network", refused: false, mountFrom: undefined },
      { line: 8, feature: "RUN --security=insecure", refused: true, mountFrom: undefined },
    ]);
  });

  it("accepts the classic flags: COPY --chown, FROM --platform", () => {
    const facts = analyzeDockerfile("FROM --platform=linux/amd64 a AS b\nFROM c\nCOPY --chown=1000 --from=b /v /v\n");
    expect(facts.buildkitFeatures).toEqual([]);
    expect(facts.stages[0]).toMatchObject({ name: "b", baseImage: "a" });
  });

  it("analyses the handout's own Step 3 Dockerfile as multi-stage (it fails later, at build time)", () => {
    const facts = analyzeDockerfile(`FROM python:3.9-slim-buster AS builder
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
FROM python:3.9-slim-buster
WORKDIR /app
COPY --from=builder /app/app.py .
COPY --from=builder /app/venv /app/venv
COPY --from=builder /usr/local/lib/python3.9/site-packages /usr/local/lib/python3.9/site-packages
EXPOSE 5000
CMD ["python", "app.py"]
`);
    expect(facts.problems).toEqual([]);
    expect(copiesFrom(facts.stages[1]).map((c) => c.destination)).toEqual(["/app", "/app/venv", "/usr/local/lib/python3.9/site-packages"]);
  });
});

describe("stage steps", () => {
  it("lists every instruction after FROM in order, with where each COPY/ADD copies from and to", () => {
    const facts = analyzeDockerfile(`FROM python:3.9-slim AS build
RUN python -m venv /opt/venv
FROM python:3.9-slim
WORKDIR /app
COPY --chown=1000 --from=build /opt/venv /opt/venv
COPY venv ./venv/
ADD ["app.py", "lib.py", "./"]
RUN useradd app
CMD ["python", "app.py"]
`);
    const final = facts.stages[1];
    expect(final.steps.map((s) => [s.keyword, s.line])).toEqual([
      ["WORKDIR", 4],
      ["COPY", 5],
      ["COPY", 6],
      ["ADD", 7],
      ["RUN", 8],
      ["CMD", 9],
    ]);
    expect(final.steps[1].copy).toEqual({ from: "build", stageIndex: 0, sources: ["/opt/venv"], destination: "/opt/venv" });
    expect(final.steps[2].copy).toEqual({ from: undefined, stageIndex: undefined, sources: ["venv"], destination: "/app/venv/" });
    expect(final.steps[3].copy).toEqual({ from: undefined, stageIndex: undefined, sources: ["app.py", "lib.py"], destination: "/app/" });
    expect(final.steps[4].copy).toBeUndefined();
  });
});
