import { analyzeDockerfile } from "../dockerfile/analyze";
import { finalStageCopyEntries, isCopyEntry } from "./image-history";
import { historyIndexOfLayer, introducingLayer } from "./image-export";

const entry = (createdBy: string, size = 0) => ({ createdBy, size });

describe("isCopyEntry", () => {
  it("recognises COPY and ADD as the classic builder, BuildKit and Buildah record them", () => {
    expect(isCopyEntry(entry("/bin/sh -c #(nop) COPY dir:3bc97217015fdbaa in /app/venv "))).toBe(true);
    expect(isCopyEntry(entry("/bin/sh -c #(nop) ADD file:e55576255f2a06b1 in /etc/pip.conf "))).toBe(true);
    expect(isCopyEntry(entry("COPY /app/venv /app/venv # buildkit"))).toBe(true);
    expect(isCopyEntry(entry("/bin/sh -c #(nop)  ENV PATH=/app/venv/bin:/usr/bin"))).toBe(false);
    expect(isCopyEntry(entry("/bin/sh -c python -m venv /app/venv"))).toBe(false);
    expect(isCopyEntry(entry("RUN /bin/sh -c cp -r /src /dst # buildkit"))).toBe(false);
  });
});

describe("finalStageCopyEntries", () => {
  const dockerfile = analyzeDockerfile(
    "FROM python:3.9-slim AS builder\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n" +
      'FROM python:3.9-slim\nWORKDIR /app\nCOPY --from=builder /app/venv /app/venv\nCOPY app.py .\nCMD ["python", "app.py"]\n',
  );
  const final = dockerfile.stages[1];

  it("pairs the final stage's copies with the image's last COPY entries, past the classic builder's label step", () => {
    const history = [
      entry("/bin/sh -c #(nop) COPY file:aaa in /etc/pip.conf ", 10),
      entry("/bin/sh -c #(nop) WORKDIR /app"),
      entry("/bin/sh -c #(nop) COPY dir:bbb in /app/venv ", 13_900_000),
      entry("/bin/sh -c #(nop) COPY file:ccc in . ", 230),
      entry('/bin/sh -c #(nop)  CMD ["python" "app.py"]'),
      entry("/bin/sh -c #(nop)  LABEL org.lab-grader.owner=host:1"),
    ];
    const pairs = finalStageCopyEntries(history, final)!;
    expect(pairs.map((p) => [p.step.line, p.entry.size])).toEqual([
      [7, 13_900_000],
      [8, 230],
    ]);
  });

  it("gives up when the history holds fewer copies than the stage", () => {
    expect(finalStageCopyEntries([entry("COPY /app/venv /app/venv # buildkit")], final)).toBeUndefined();
  });
});

describe("introducingLayer", () => {
  it("is the lowest layer holding the path after the last that deleted it", () => {
    const none = { has: false, removes: false };
    const has = { has: true, removes: false };
    expect(introducingLayer([none, has, has])).toBe(1);
    expect(introducingLayer([has, { has: false, removes: true }, none, has])).toBe(3);
    expect(introducingLayer([none, none])).toBeUndefined();
  });
});

describe("historyIndexOfLayer", () => {
  it("skips the entries that made no layer", () => {
    const history = [
      { created_by: "base" },
      { created_by: "ENV", empty_layer: true },
      { created_by: "WORKDIR" },
      { created_by: "CMD", empty_layer: true },
      { created_by: "COPY" },
    ];
    expect(historyIndexOfLayer(history, 0)).toBe(0);
    expect(historyIndexOfLayer(history, 1)).toBe(2);
    expect(historyIndexOfLayer(history, 2)).toBe(4);
    expect(historyIndexOfLayer(history, 3)).toBeUndefined();
  });
});
