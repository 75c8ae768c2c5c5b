import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { BUILD_CACHE_MARK_FILE } from "../engine/buildkit-cache";
import { makeRunFolder, removeRunFolder, sweepRunFolders } from "./run-folders";

/** Above Linux's largest pid (2^22): no process has it. */
const DEAD_PID = 4_194_305;

describe("run folders", () => {
  let runs: string;
  const folder = (name: string, files: Record<string, string> = {}, ageHours = 0): string => {
    const dir = path.join(runs, name);
    mkdirSync(path.join(dir, "records"), { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
    const at = (Date.now() - ageHours * 3600_000) / 1000;
    utimesSync(dir, at, at);
    return dir;
  };

  beforeEach(() => {
    runs = mkdtempSync(path.join(tmpdir(), "lab-grader-runs-"));
  });

  it("go when the run ends, unless a note of BuildKit's cache is still to be settled", () => {
    const ended = path.join(runs, "ended");
    makeRunFolder(ended);
    expect(removeRunFolder(ended)).toBe(true);
    expect(existsSync(ended)).toBe(false);
    const unsettled = path.join(runs, "unsettled");
    makeRunFolder(unsettled);
    writeFileSync(path.join(unsettled, BUILD_CACHE_MARK_FILE), "{}");
    expect(removeRunFolder(unsettled)).toBe(false);
    expect(existsSync(unsettled)).toBe(true);
  });

  it("of graders that died are swept; a live run's, another host's, an unsettled one's and a recent unowned one's stay", () => {
    const dead = folder("dead", { owner: `${hostname()}:${DEAD_PID}` });
    const live = path.join(runs, "live");
    makeRunFolder(live);
    const otherHost = folder("other-host", { owner: `another-host:${DEAD_PID}` });
    const unsettled = folder("unsettled", { owner: `${hostname()}:${DEAD_PID}`, [BUILD_CACHE_MARK_FILE]: "{}" });
    const oldUnowned = folder("old-unowned", { "run.json": "{}" }, 48);
    const recentUnowned = folder("recent-unowned", { "run.json": "{}" }, 1);
    expect(sweepRunFolders(runs)).toBe(2);
    expect([dead, live, otherHost, unsettled, oldUnowned, recentUnowned].map((dir) => [path.basename(dir), existsSync(dir)])).toEqual([
      ["dead", false],
      ["live", true],
      ["other-host", true],
      ["unsettled", true],
      ["old-unowned", false],
      ["recent-unowned", true],
    ]);
  });

  it("sweeps nothing where there is no runs folder yet", () => {
    expect(sweepRunFolders(path.join(runs, "missing"))).toBe(0);
  });
});
