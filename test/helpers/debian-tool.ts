import { execFileSync } from "node:child_process";

/** A program from a Debian package; installed here when missing (as root with apt), else the test fails. */
export function ensureDebianTool(program: string, debianPackage: string): void {
  try {
    execFileSync(program, ["--version"], { stdio: "ignore" });
    return;
  } catch {
    if (process.getuid?.() !== 0) throw new Error(`${program} is missing: install Debian's ${debianPackage} package`);
  }
  execFileSync("sh", ["-c", `apt-get install -y -q ${debianPackage} || (apt-get update -q && apt-get install -y -q ${debianPackage})`], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}
