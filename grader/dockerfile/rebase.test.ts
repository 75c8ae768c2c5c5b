import { analyzeDockerfile } from "./analyze";
import { finalBaseImage, rebaseDockerfile } from "./rebase";

describe("rebaseDockerfile", () => {
  it("rewrites image FROMs and leaves stage references alone", () => {
    const text = "FROM python:3.9-slim-buster AS builder\nRUN x\nFROM builder AS test\nFROM  python:3.9-slim-buster\nCOPY --from=builder /a /a\n";
    expect(rebaseDockerfile(text, "python:3.11-slim")).toBe(
      "FROM python:3.11-slim AS builder\nRUN x\nFROM builder AS test\nFROM  python:3.11-slim\nCOPY --from=builder /a /a\n",
    );
  });
});

describe("finalBaseImage", () => {
  it("follows FROM <stage> chains to an image", () => {
    expect(finalBaseImage(analyzeDockerfile("FROM python:3.11-slim AS base\nFROM base AS final\n"))).toBe("python:3.11-slim");
    expect(finalBaseImage(analyzeDockerfile("FROM a AS b\nFROM python:3.9\n"))).toBe("python:3.9");
  });
});
