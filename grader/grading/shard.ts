import { createHash } from "node:crypto";
import { InvalidArgumentError } from "commander";

export interface Shard {
  index: number;
  count: number;
}

/** "2/4" → the 2nd of 4 shards. */
export function parseShard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new InvalidArgumentError("expected i/n with 1 ≤ i ≤ n, e.g. 2/4");
  return { index, count };
}

/**
 * Whether submission `id` belongs to `shard`: by a hash of the id, so every machine of a CI matrix agrees
 * without talking to the others, and adding a submission never moves the others.
 */
export function inShard(id: string, shard: Shard): boolean {
  const bucket = createHash("sha256").update(id).digest().readUInt32BE(0) % shard.count;
  return bucket === shard.index - 1;
}
