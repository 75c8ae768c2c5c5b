import type { Readable } from "node:stream";

/**
 * Reads newline-delimited JSON from the engine without trusting its size: a line longer than
 * `maxLineChars` is cut (the rest of it dropped) instead of growing in memory.
 */
export async function* readJsonLines(stream: Readable, maxLineChars = 1024 * 1024): AsyncGenerator<unknown> {
  let pending = "";
  let overflowing = false;
  for await (const chunk of stream) {
    let text = (chunk as Buffer).toString("utf8");
    if (overflowing) {
      // Still inside a line that was already cut: drop it up to its end.
      const end = text.indexOf("\n");
      if (end < 0) continue;
      text = text.slice(end + 1);
      overflowing = false;
    }
    const lines = (pending + text).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const parsed = parseLine(line);
      if (parsed !== undefined) yield parsed;
    }
    if (pending.length > maxLineChars) {
      yield { stream: `${pending.slice(0, 2000)}[… line cut at ${maxLineChars} characters]\n` };
      pending = "";
      overflowing = true;
    }
  }
  const last = overflowing ? undefined : parseLine(pending);
  if (last !== undefined) yield last;
}

function parseLine(line: string): unknown {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return { stream: `${trimmed}\n` };
  }
}
