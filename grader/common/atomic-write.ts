import { renameSync, writeFileSync } from "node:fs";

/** Writes `file` whole or not at all: a reader (or a crash) never sees half of it. */
export function atomicWrite(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
