import { ExitCode, UserFacingError } from "../common/exit-codes";
import { commandExists, runCommand } from "../common/run-command";

const PROVIDES: Record<string, string> = { "docker.io": "dockerd", debootstrap: "debootstrap" };

/** True when this process may install Debian packages itself: root on a host with apt-get. */
export async function canInstallDebianPackages(): Promise<boolean> {
  return process.getuid?.() === 0 && (await commandExists("apt-get"));
}

/** Installs the Debian packages whose programs are missing; refuses with a how-to when it may not. */
export async function ensureDebianPackages(packages: string[], report: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) if (!(await commandExists(PROVIDES[name] ?? name))) missing.push(name);
  if (!missing.length) return;
  if (!(await canInstallDebianPackages())) {
    throw new UserFacingError(
      `lab-grader needs ${missing.join(", ")} and can install it only as root on Debian/Ubuntu. ` +
        `Install it yourself (sudo apt-get install ${missing.join(" ")}) and run lab-grader setup again.`,
      ExitCode.notReady,
    );
  }
  report(`  apt-get install ${missing.join(" ")}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = await runCommand("apt-get", ["update", "-q"], { env });
  const install =
    update.exitCode === 0 ? await runCommand("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { env }) : update;
  if (install.exitCode !== 0) {
    throw new UserFacingError(
      `apt-get could not install ${missing.join(", ")} (exit ${install.exitCode}). Its output ends:\n${install.output.slice(-2000)}`,
      ExitCode.notReady,
    );
  }
}
