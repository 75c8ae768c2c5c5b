import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";

/**
 * Jest globalSetup/globalTeardown: every temporary folder the suite makes (its own, the CLI's it spawns, Chromium's
 * profiles) goes under one folder that is removed at the end, so a run leaves nothing in /tmp. Set
 * LAB_GRADER_KEEP_TEST_TMP=1 to keep it for a post-mortem.
 */
const KEY = "LAB_GRADER_TEST_TMP";

export default function setup(): void {
  const root = mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "lab-grader-tests-"));
  process.env[KEY] = root;
  process.env.TMPDIR = root;
}

export function teardown(): void {
  const root = process.env[KEY];
  if (!root) return;
  if (process.env.LAB_GRADER_KEEP_TEST_TMP) console.log(`test temporary files kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
