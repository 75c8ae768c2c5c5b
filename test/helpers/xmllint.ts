import { execFileSync } from "node:child_process";
import { ensureDebianTool } from "./debian-tool";

/** xmllint, from Debian's libxml2-utils, installed when missing. */
export function ensureXmllint(): void {
  ensureDebianTool("xmllint", "libxml2-utils");
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
