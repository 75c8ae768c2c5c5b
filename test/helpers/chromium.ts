import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureDebianTool } from "./debian-tool";

/** Debian's headless Chromium, installed when missing. */
export function ensureChromium(): void {
  ensureDebianTool("chromium", "chromium");
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
