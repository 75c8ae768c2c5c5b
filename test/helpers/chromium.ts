import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Debian's headless Chromium; installed here when missing (as root with apt), else the test fails. */
export function ensureChromium(): void {
  try {
    execFileSync("chromium", ["--version"], { stdio: "ignore" });
    return;
  } catch {
    if (process.getuid?.() !== 0) throw new Error("chromium is missing: install Debian's chromium package");
  }
  execFileSync("sh", ["-c", "apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)"], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

// Offline machine: no background traffic, no first-run work, a fresh profile.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The DOM Chromium builds from `file`, serialised. */
export function renderedDom(file: string): string {
  const profile = mkdtempSync(path.join(tmpdir(), "chromium-"));
  return execFileSync("chromium", [...FLAGS, `--user-data-dir=${profile}`, "--dump-dom", `file://${file}`], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 60_000,
  });
}

/** A PNG screenshot of `file` at `png`. */
export function screenshot(file: string, png: string, size = "1280,2400"): void {
  const profile = mkdtempSync(path.join(tmpdir(), "chromium-"));
  execFileSync("chromium", [...FLAGS, `--user-data-dir=${profile}`, `--screenshot=${png}`, `--window-size=${size}`, `file://${file}`], {
    stdio: "ignore",
    timeout: 60_000,
  });
}
