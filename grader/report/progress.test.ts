import { Progress } from "./progress";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 200, write: (text: string) => writes.push(text) };
}

describe("Progress", () => {
  it("prints one plain line per submission in a log", () => {
    const out = stream(false);
    const progress = new Progress(12, out, false);
    progress.finished("alice", 10, 10);
    progress.finished("bob\u001b[2J", 3, 10);
    expect(out.writes).toEqual(["[ 1/12] alice: 10/10\n", "[ 2/12] bob: 3/10\n"]);
  });

  it("redraws one bar with counts and ETA on a terminal, ending with a newline", () => {
    const out = stream(true);
    let now = 0;
    const progress = new Progress(4, out, true, () => now);
    now = 10_000;
    progress.finished("a", 1, 2);
    expect(out.writes[0]).toBe("\r\u001b[2K[#####---------------] 1/4 · ETA 30s · last: a 1/2");
    now = 40_000;
    for (const id of ["b", "c", "d"]) progress.finished(id, 2, 2);
    expect(out.writes[3]).toBe("\r\u001b[2K[####################] 4/4 · last: d 2/2\n");
  });

  it("uses plain lines when CI is set, even on a terminal", () => {
    const previous = process.env.CI;
    process.env.CI = "true";
    try {
      const out = stream(true);
      new Progress(1, out).finished("a", 1, 1);
      expect(out.writes).toEqual(["[1/1] a: 1/1\n"]);
    } finally {
      if (previous === undefined) delete process.env.CI;
      else process.env.CI = previous;
    }
  });
});
