import { loadLabSpec } from "../lab/lab-spec";
import { analyzeDockerfile } from "./analyze";
import { normalizeImage, policyViolations } from "./policy";

const spec = loadLabSpec("specs/lab42.yaml");
const violations = (text: string, sandbox = spec.sandbox) => policyViolations(analyzeDockerfile(text), spec.baseImages, sandbox);

describe("policyViolations", () => {
  it("allows the lab's base images (any registry spelling), earlier stages and scratch", () => {
    expect(
      violations("FROM docker.io/library/python:3.9-slim AS b\nFROM b AS c\nFROM scratch\nCOPY --from=c /a /a\nCOPY --from=python:3.11-slim /b /b\n"),
    ).toEqual([]);
  });

  it("refuses another image in FROM, such as another submission's", () => {
    expect(violations("FROM lab-grader/lab42-bob-abc:run1\n")).toEqual([
      "line 1: FROM lab-grader/lab42-bob-abc:run1 is not one of this lab's base images (python:3.9-slim-buster, python:3.9-slim, python:3.11-slim)",
    ]);
  });

  it("refuses COPY --from an image that is not a base image", () => {
    expect(violations("FROM python:3.9-slim\nCOPY --from=alpine:3 /etc/passwd /x\n")).toEqual([
      "line 2: COPY --from=alpine:3 names neither an earlier stage nor one of this lab's base images",
    ]);
  });

  it("refuses RUN --mount from an image that is not a base image; allows stages and base images", () => {
    const text =
      "FROM python:3.9-slim AS b\nRUN --mount=from=b,target=/b true\nRUN --mount=type=bind,from=python:3.11-slim,target=/p true\nRUN --mount=type=cache,from=alpine:3,target=/a true\n";
    expect(violations(text)).toEqual(["line 4: RUN --mount from=alpine:3 names neither a stage nor one of this lab's base images"]);
  });

  it("refuses ADD <url> unless allowed", () => {
    const text = "FROM python:3.9-slim\nADD https://example.invalid/x.tar.gz /x\nADD local.txt /y\n";
    expect(violations(text)).toEqual([expect.stringMatching(/^line 2: ADD https:\/\/example.invalid\/x.tar.gz downloads from the network/)]);
    expect(violations(text, { ...spec.sandbox, allowAddUrl: true })).toEqual([]);
  });

  it("allows any image when the lab says so", () => {
    expect(violations("FROM node:20\n", { ...spec.sandbox, allowAnyImage: true })).toEqual([]);
  });

  it("normalises image references", () => {
    expect(normalizeImage("python")).toBe("python:latest");
    expect(normalizeImage("index.docker.io/library/python:3.9")).toBe("python:3.9");
    expect(normalizeImage("ghcr.io/x/y:1")).toBe("ghcr.io/x/y:1");
  });
});
