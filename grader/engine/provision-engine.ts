import { processAlive } from "../common/process-alive";
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { sleep } from "../common/duration";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { stateDir } from "../common/state-dir";
import { engineLocation, tryConnectEngine, type Engine } from "./client";
import { canInstallDebianPackages, ensureDebianPackages } from "./host-packages";

const ENGINE_START_TIMEOUT_MS = 90_000;
const DOCKERD_PID_FILE = "/var/run/docker.pid";

/**
 * Returns a reachable engine. An engine that already answers (Docker Desktop, a remote DOCKER_HOST, a running
 * dockerd) is used as it is. Otherwise, as root on Debian/Ubuntu, installs Debian's docker.io and starts dockerd
 * in the background with its log under the state directory.
 */
export async function ensureEngine(report: (line: string) => void): Promise<Engine> {
  const existing = await tryConnectEngine();
  if (existing) {
    report(`engine: reachable at ${engineLocation()} (used as it is)`);
    return existing;
  }
  if (process.env.DOCKER_HOST) {
    throw new UserFacingError(
      `engine: nothing answers at ${engineLocation()}. Start that engine, or unset DOCKER_HOST to let lab-grader ` + `use (or start) the local one.`,
      ExitCode.notReady,
    );
  }
  if (!(await canInstallDebianPackages())) {
    throw new UserFacingError(
      "engine: no Docker engine answers at unix:///var/run/docker.sock. Start Docker Desktop or Docker Engine " +
        "(https://docs.docker.com/engine/install/), or run lab-grader setup as root on Debian/Ubuntu to have it " +
        "install and start Debian's docker.io.",
      ExitCode.notReady,
    );
  }
  await ensureDebianPackages(["docker.io"], report);
  const logFile = path.join(stateDir(), "dockerd.log");
  removeStalePidFile(report);
  report(`engine: starting dockerd in the background (log: ${logFile})…`);
  const out = openSync(logFile, "a");
  const dockerd = spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] });
  let exited: number | null | undefined;
  dockerd.on("exit", (code) => (exited = code));
  dockerd.unref();
  const deadline = Date.now() + ENGINE_START_TIMEOUT_MS;
  while (Date.now() < deadline && exited === undefined) {
    const engine = await tryConnectEngine();
    if (engine) {
      report(`engine: dockerd is up (pid ${dockerd.pid})`);
      return engine;
    }
    await sleep(500);
  }
  const why = exited === undefined ? `did not answer within ${ENGINE_START_TIMEOUT_MS / 1000} s` : `exited with code ${exited}`;
  throw new UserFacingError(`engine: dockerd ${why}. The end of ${logFile}:\n${logTail(logFile)}`, ExitCode.notReady);
}

/** A machine can come back with dockerd's pid file but no dockerd; a new dockerd then refuses to start. */
function removeStalePidFile(report: (line: string) => void): void {
  if (!existsSync(DOCKERD_PID_FILE)) return;
  const pid = Number(readFileSync(DOCKERD_PID_FILE, "utf8").trim());
  if (pid > 0 && processAlive(pid)) return;
  rmSync(DOCKERD_PID_FILE, { force: true });
  report(`engine: removed stale ${DOCKERD_PID_FILE} (pid ${pid} is not running)`);
}

function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}
