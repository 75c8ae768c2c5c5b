import { engineErrorText, splitTag } from "./build";

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
