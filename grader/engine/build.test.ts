import { engineErrorText, splitTag, stageImages } from "./build";

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
