import { inShard, parseShard } from "./shard";

describe("shards", () => {
  it("puts every id in exactly one of n shards, the same way every time", () => {
    const ids = Array.from({ length: 300 }, (_, i) => `student-${i}`);
    for (const count of [1, 2, 3, 7]) {
      const shards = Array.from({ length: count }, (_, i) => ({ index: i + 1, count }));
      for (const id of ids) expect(shards.filter((shard) => inShard(id, shard))).toHaveLength(1);
      // Roughly balanced: no shard holds more than twice its share.
      for (const shard of shards) expect(ids.filter((id) => inShard(id, shard)).length).toBeLessThan((2 * ids.length) / count + 1);
    }
  });

  it("parses i/n and rejects what is not a shard", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/4", "5/4", "1/0", "a/b", "2"]) expect(() => parseShard(bad)).toThrow(/expected i\/n/);
  });
});
