import { PassThrough, Readable } from "node:stream";
import type Dockerode from "dockerode";
import { buildImage, engineErrorText, splitTag, stageImages } from "./build";
import { encodeStatus } from "./buildkit-status";

describe("engineErrorText", () => {
  it("unwraps dockerode's HTTP wrapper to the engine's own message", () => {
    expect(engineErrorText(new Error('(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": no such host '))).toBe(
      'Get "https://registry-1.docker.io/v2/": no such host',
    );
    expect(engineErrorText({ json: { message: "dockerfile parse error line 2" } })).toBe("dockerfile parse error line 2");
  });
});

describe("splitTag", () => {
  it("splits a tag off, and does not take a registry port for one", () => {
    expect(splitTag("python:3.9-slim")).toEqual(["python", "3.9-slim"]);
    expect(splitTag("registry.local:5000/lab/image")).toEqual(["registry.local:5000/lab/image", "latest"]);
  });
});

describe("stageImages", () => {
  const step = (instruction: string, imageId?: string) => ({ instruction, line: `Step : ${instruction}`, imageId });

  it("takes each stage's last committed image, and the base for a stage with no step of its own", () => {
    expect(
      stageImages([
        step("FROM python:3.9-slim-buster AS builder", "base00000000"),
        step("WORKDIR /app", "aaaaaaaaaaaa"),
        step("RUN python -m venv /app/venv", "bbbbbbbbbbbb"),
        step("FROM python:3.9-slim-buster AS empty", "base00000000"),
        step("FROM python:3.9-slim-buster", "base00000000"),
        step("COPY --from=builder /app/venv /app/venv", "cccccccccccc"),
        step('CMD ["python", "app.py"]'),
      ]),
    ).toEqual(["bbbbbbbbbbbb", "base00000000", "cccccccccccc"]);
  });

  it("leaves a stage whose FROM failed unknown", () => {
    expect(stageImages([step("FROM nowhere:1")])).toEqual([undefined]);
  });
});

describe("buildImage with BuildKit", () => {
  const at = (s: number) => ({ seconds: 1_700_000_000 + s, nanos: 0 });
  const trace = (update: { [field: string]: unknown }) => `${JSON.stringify({ id: "moby.buildkit.trace", aux: encodeStatus(update) })}\n`;

  /** A fake engine that reads the context, and whose build sends `lines`, then neither ends nor reports until aborted. */
  function quietEngine(lines: string[]): Dockerode {
    return {
      buildImage: async (context: Readable, options: { abortSignal: AbortSignal }) => {
        context.resume();
        const stream = new PassThrough();
        for (const line of lines) stream.write(line);
        options.abortSignal.addEventListener("abort", () => stream.destroy(new Error("aborted")));
        return stream;
      },
    } as unknown as Dockerode;
  }

  const request = () => ({ builder: "buildkit" as const, context: Readable.from([]), tags: ["t"], timeoutMs: 20_000, stallMs: 1_500 });

  it("stops a build whose solver went quiet with no step running, and says it was the engine, not a timeout", async () => {
    const engine = quietEngine([trace({ vertexes: [{ digest: "sha256:a", name: "[1/2] FROM python", started: at(0), completed: at(1) }] })]);
    const result = await buildImage(engine, request());
    expect(result).toMatchObject({ ok: false, stalled: true, timedOut: false });
    expect(result.error).toMatch(/^the engine's BuildKit stopped reporting progress \(no step running for 2 s\)/);
  });

  it("leaves a quiet step that is running to the build timeout (a student's RUN sleep is not a stall)", async () => {
    const engine = quietEngine([trace({ vertexes: [{ digest: "sha256:b", name: "[2/2] RUN sleep 1000", started: at(0) }] })]);
    const result = await buildImage(engine, { ...request(), timeoutMs: 4_000 });
    expect(result).toMatchObject({ ok: false, timedOut: true, lastStep: "[2/2] RUN sleep 1000" });
    expect(result.stalled).toBeUndefined();
  });

  it("does not count the time the engine takes to receive the context as a stall", async () => {
    const uploading = new PassThrough();
    uploading.write("a context that is still being sent");
    const result = await buildImage(quietEngine([]), { ...request(), context: uploading, timeoutMs: 4_000 });
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(result.stalled).toBeUndefined();
  });
});
