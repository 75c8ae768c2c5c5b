import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let pageSize: number | undefined;

/**
 * Bytes this machine's page cache has taken as writes since boot (`nr_dirtied` in /proc/vmstat, in pages): it
 * only grows, so, unlike the free space, it is not lowered by space freed while something writes. Undefined where
 * the kernel does not say (not Linux, or a sandbox without /proc/vmstat).
 */
export function dirtiedBytes(): number | undefined {
  let vmstat: string;
  try {
    vmstat = readFileSync("/proc/vmstat", "latin1");
  } catch {
    return undefined;
  }
  const pages = /^nr_dirtied (\d+)$/m.exec(vmstat)?.[1];
  if (pages === undefined) return undefined;
  pageSize ??= readPageSize();
  return Number(pages) * pageSize;
}

function readPageSize(): number {
  try {
    return Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()) || 4096;
  } catch {
    return 4096;
  }
}
