import type { ImageFiles } from "./image-files";
import { entrypointCommand, resolveEntrypoint } from "./entrypoint";

const files = (present: string[]) => ({ exists: async (p: string) => present.includes(p) }) as unknown as ImageFiles;

describe("entrypointCommand", () => {
  it("takes ENTRYPOINT before CMD, and looks through sh -c", () => {
    expect(entrypointCommand({ Entrypoint: ["/server"], Cmd: ["--port", "8080"] })).toBe("/server");
    expect(entrypointCommand({ Cmd: ["python", "app.py"] })).toBe("python");
    expect(entrypointCommand({ Cmd: ["/bin/sh", "-c", "exec ./server --x"] })).toBe("./server");
    expect(entrypointCommand({ Entrypoint: "gunicorn app:app" })).toBe("gunicorn");
    expect(entrypointCommand({})).toBeUndefined();
  });
});

describe("resolveEntrypoint", () => {
  it("resolves a relative path against WORKDIR and a bare name on the image's PATH", async () => {
    expect(await resolveEntrypoint({ Cmd: ["./server"], WorkingDir: "/app" }, files([]))).toEqual({ path: "/app/server" });
    expect(await resolveEntrypoint({ Cmd: ["server"], Env: ["PATH=/go/bin:/usr/bin"] }, files(["/usr/bin/server"]))).toEqual({
      path: "/usr/bin/server",
    });
    expect(await resolveEntrypoint({ Cmd: ["server"], Env: ["PATH=/go/bin"] }, files([]))).toEqual({
      problem: 'its command "server" is not on the image\'s PATH (/go/bin)',
    });
    expect(await resolveEntrypoint({}, files([]))).toEqual({ problem: "the image sets no ENTRYPOINT or CMD" });
  });
});
