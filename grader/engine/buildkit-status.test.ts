import { BuildkitProgress, decodeStatus, encodeStatus } from "./buildkit-status";

const at = (seconds: number) => ({ seconds: Math.floor(seconds), nanos: Math.round((seconds % 1) * 1e9) });
const text = (s: string) => Buffer.from(s);

describe("BuildkitProgress", () => {
  it("prints steps, their output and their end as --progress=plain does, from encoded updates", () => {
    const progress = new BuildkitProgress();
    const lines = [
      { vertexes: [{ digest: "sha256:a", name: "[1/2] FROM docker.io/library/python:3.9-slim", cached: true }] },
      { vertexes: [{ digest: "sha256:b", name: "[2/2] RUN pip install flask", started: at(100) }] },
      { logs: [{ vertex: "sha256:b", timestamp: at(100.25), msg: text("Collecting fla") }] },
      { logs: [{ vertex: "sha256:b", timestamp: at(100.5), msg: text("sk\nInstalled\n") }] },
      { vertexes: [{ digest: "sha256:b", name: "[2/2] RUN pip install flask", started: at(100), completed: at(101.5) }] },
    ].flatMap((update) => progress.apply(decodeStatus(encodeStatus(update))));
    expect(lines).toEqual([
      "#1 [1/2] FROM docker.io/library/python:3.9-slim",
      "#1 CACHED",
      "#2 [2/2] RUN pip install flask",
      "#2 0.500 Collecting flask",
      "#2 0.500 Installed",
      "#2 DONE 1.5s",
    ]);
    expect(progress.failedStep()).toBeUndefined();
  });

  it("counts the Dockerfile's steps taken from the engine's cache, not its FROM nor BuildKit's own", () => {
    const progress = new BuildkitProgress();
    const cached = (digest: string, name: string) => ({ vertexes: [{ digest, name, cached: true }] });
    for (const update of [
      cached("sha256:0", "[internal] load build definition from Dockerfile"),
      cached("sha256:1", "[builder 1/4] FROM docker.io/library/python:3.9-slim"),
      cached("sha256:2", "[builder 2/4] RUN python -m venv /venv"),
      cached("sha256:3", "[builder 3/4] COPY requirements.txt ."),
      { vertexes: [{ digest: "sha256:4", name: "[builder 4/4] RUN pip install -r requirements.txt", started: at(1), completed: at(2) }] },
      cached("sha256:5", "[stage-1 2/2] COPY --from=builder /venv /venv"),
    ])
      progress.apply(decodeStatus(encodeStatus(update)));
    expect(progress.reusedSteps()).toBe(3);
  });

  it("names the failed step, its error and its last output lines", () => {
    const progress = new BuildkitProgress();
    progress.apply(decodeStatus(encodeStatus({ vertexes: [{ digest: "sha256:c", name: "[2/2] RUN exit 3", started: at(5) }] })));
    progress.apply(decodeStatus(encodeStatus({ logs: [{ vertex: "sha256:c", timestamp: at(5.1), msg: text("about to fail\n") }] })));
    const end = progress.apply(
      decodeStatus(
        encodeStatus({ vertexes: [{ digest: "sha256:c", name: "[2/2] RUN exit 3", started: at(5), completed: at(5.2), error: "exit code: 3" }] }),
      ),
    );
    expect(end).toEqual(["#1 ERROR: exit code: 3"]);
    expect(progress.failedStep()).toEqual({ name: "[2/2] RUN exit 3", error: "exit code: 3", lastLines: ["about to fail"] });
  });

  it("names the step still running, the last one started", () => {
    const progress = new BuildkitProgress();
    const apply = (update: { [field: string]: unknown }) => progress.apply(decodeStatus(encodeStatus(update)));
    apply({ vertexes: [{ digest: "sha256:a", name: "[builder 2/3] RUN a", started: at(1) }] });
    apply({ vertexes: [{ digest: "sha256:b", name: "[stage-1 2/2] RUN b", started: at(2) }] });
    expect(progress.runningStep()).toBe("[stage-1 2/2] RUN b");
    apply({ vertexes: [{ digest: "sha256:b", name: "[stage-1 2/2] RUN b", started: at(2), completed: at(3) }] });
    expect(progress.runningStep()).toBe("[builder 2/3] RUN a");
    apply({ vertexes: [{ digest: "sha256:a", name: "[builder 2/3] RUN a", started: at(1), completed: at(4) }] });
    expect(progress.runningStep()).toBeUndefined();
  });

  it("cuts a step's output lines, and lets out a line that never ends before it grows without bound", () => {
    const progress = new BuildkitProgress();
    progress.apply(decodeStatus(encodeStatus({ vertexes: [{ digest: "sha256:d", name: "[2/2] RUN flood", started: at(1) }] })));
    const flood = progress.apply(
      decodeStatus(encodeStatus({ logs: [{ vertex: "sha256:d", timestamp: at(2), msg: text(`${"x".repeat(100_000)}\n${"y".repeat(100_000)}`) }] })),
    );
    expect(flood).toHaveLength(2);
    for (const line of flood) expect(line.length).toBeLessThanOrEqual(16 * 1024 + 20);
    expect(flood[1]).toMatch(/^#1 1\.000 y+$/);
  });

  it("refuses bytes that are no status message", () => {
    expect(() => decodeStatus(Buffer.from([0x0a, 0xff, 0xff, 0xff]).toString("base64"))).toThrow();
  });
});
