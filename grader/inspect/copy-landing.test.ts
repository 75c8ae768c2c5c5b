import type { PathStat } from "./image-files";
import { copyLanding, landingCovers } from "./copy-landing";

const DIR = 0x80000000;
/** A final image's files: path → [mode, size]. */
function image(paths: Record<string, [number, number]>): { stat: (p: string) => Promise<PathStat | undefined> } {
  return {
    stat: async (p) => (paths[p] ? { name: p.split("/").pop()!, mode: paths[p][0], size: paths[p][1], linkTarget: "" } : undefined),
  };
}

const files = image({
  "/": [DIR | 0o755, 4096],
  "/app": [DIR | 0o755, 4096],
  "/app/app.py": [0o644, 180],
  "/app/requirements.txt": [0o644, 6],
  "/app/venv": [DIR | 0o755, 4096],
  "/app/venv/pyvenv.cfg": [0o644, 70],
});
const copy = (sources: string[], destination: string) => ({ from: "builder", stageIndex: 0, sources, destination });

describe("copyLanding", () => {
  it("a directory copied onto a path: its contents were merged there", async () => {
    expect(await copyLanding(copy(["/app/venv"], "/app/venv"), files)).toEqual({ directory: "/app/venv" });
    expect(await copyLanding(copy(["/app/venv/"], "/app/venv/"), files)).toEqual({ directory: "/app/venv" });
    expect(await copyLanding(copy(["/"], "/"), files)).toEqual({ directory: "/" });
  });

  it("files copied into a directory: each landed under its own name", async () => {
    expect(await copyLanding(copy(["/app/app.py"], "/app"), files)).toEqual({ files: [{ path: "/app/app.py", size: 180 }] });
    expect(await copyLanding(copy(["/src/app.py", "/src/requirements.txt"], "/app/"), files)).toEqual({
      files: [
        { path: "/app/app.py", size: 180 },
        { path: "/app/requirements.txt", size: 6 },
      ],
    });
  });

  it("a file copied to a new name: it is the destination", async () => {
    expect(await copyLanding(copy(["/build/settings.cfg"], "/app/venv/pyvenv.cfg"), files)).toEqual({
      files: [{ path: "/app/venv/pyvenv.cfg", size: 70 }],
    });
  });

  it("a wildcard: the whole destination", async () => {
    expect(await copyLanding(copy(["/src/*.py"], "/app/"), files)).toEqual({ directory: "/app" });
  });
});

describe("landingCovers", () => {
  it("covers a path under a merged directory, or one of the files", () => {
    expect(landingCovers({ directory: "/app/venv" }, "/app/venv/pyvenv.cfg")).toBe(true);
    expect(landingCovers({ directory: "/" }, "/app/venv/pyvenv.cfg")).toBe(true);
    expect(landingCovers({ directory: "/app/v" }, "/app/venv/pyvenv.cfg")).toBe(false);
    expect(landingCovers({ files: [{ path: "/app/app.py", size: 1 }] }, "/app/venv/pyvenv.cfg")).toBe(false);
  });
});
