import { Readable } from "node:stream";
import { readJsonLines } from "./json-lines";

async function collect(chunks: string[], max?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of readJsonLines(Readable.from(chunks.map((c) => Buffer.from(c))), max)) out.push(item);
  return out;
}

describe("readJsonLines", () => {
  it("parses objects split across chunks", async () => {
    expect(await collect(['{"stream":"a', 'b"}\n{"aux":', '{"ID":"x"}}'])).toEqual([{ stream: "ab" }, { aux: { ID: "x" } }]);
  });

  it("turns a non-JSON line into log text", async () => {
    expect(await collect(["not json\n"])).toEqual([{ stream: "not json\n" }]);
  });

  it("cuts a line that never ends instead of buffering it", async () => {
    const items = await collect(["x".repeat(5000), "y".repeat(5000), "\n", '{"stream":"after"}\n'], 1000);
    expect(items).toHaveLength(2);
    expect((items[0] as { stream: string }).stream).toMatch(/line cut at 1000 characters/);
    expect(items[1]).toEqual({ stream: "after" });
  });
});
