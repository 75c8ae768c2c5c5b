import { execFileSync } from "node:child_process";

/** xmllint from Debian's libxml2-utils; installed here when missing (as root with apt), else the test fails. */
export function ensureXmllint(): void {
  try {
    execFileSync("xmllint", ["--version"], { stdio: "ignore" });
    return;
  } catch {
    if (process.getuid?.() !== 0) throw new Error("xmllint is missing: install libxml2-utils (apt-get install libxml2-utils)");
  }
  execFileSync("sh", ["-c", "apt-get install -y -q libxml2-utils || (apt-get update -q && apt-get install -y -q libxml2-utils)"], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** xmllint's verdict on a file: "" when well-formed, else its complaint. */
export function xmllintErrors(file: string): string {
  try {
    execFileSync("xmllint", ["--noout", file], { stdio: ["ignore", "ignore", "pipe"] });
    return "";
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}
