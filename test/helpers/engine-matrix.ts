import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import Dockerode from "dockerode";
import { sleep, withTimeout } from "../../grader/common/duration";
import { runCommand } from "../../grader/common/run-command";
import { stateDir } from "../../grader/common/state-dir";
import { readJsonLines } from "../../grader/engine/json-lines";
import { LABEL } from "../../grader/engine/stand-in/stand-in-recipe";
import { runCli, type CliResult } from "./cli";

/**
 * A second engine for the tests — a current Docker Engine with either image store, or Podman — run from a
 * Debian unstable root filesystem in its own namespaces by test/engines/start-engine.sh.
 */
export type EngineMode = "overlay2" | "containerd" | "podman";

export interface MatrixEngine {
  mode: EngineMode;
  /** unix://…/docker.sock */
  dockerHost: string;
  socketPath: string;
  /** Where the engine keeps its data, socket and log. */
  state: string;
  /** A process inside the engine's namespaces, for nsenter. */
  netnsPid: number;
  /** The engine's data root (`/var/lib/docker` in its root) as this process sees it, e.g. to read its free space. */
  dataRoot: string;
  stop(): Promise<void>;
}

const SCRIPTS = path.resolve(__dirname, "../engines");
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** The root filesystem the engines run from, made by make-rootfs.sh when missing (as root, with debootstrap). */
export async function ensureEngineRootfs(): Promise<string> {
  const rootfs = path.join(stateDir("engines"), "sid-rootfs");
  if (process.getuid?.() !== 0) throw new Error(`the engine matrix needs root (debootstrap, namespaces) to make and run ${rootfs}`);
  const result = await runCommand("bash", [path.join(SCRIPTS, "make-rootfs.sh"), rootfs]);
  if (result.exitCode !== 0) {
    throw new Error(
      `make-rootfs.sh ${rootfs} failed (${result.signal ?? `exit ${result.exitCode}`}); the end of its output:\n${lastLines(result.output)}`,
    );
  }
  return rootfs;
}

/**
 * Starts the engine of `mode` (its data kept between runs under stateDir("engines", mode)) and waits for its API.
 * With `dataDiskMb`, the engine stores everything on a filesystem of that size of its own; with `tlsDir`, it also
 * listens on tcp://127.0.0.1:2376 with TLS (see start-engine.sh).
 */
export async function startMatrixEngine(mode: EngineMode, options: { dataDiskMb?: number; tlsDir?: string } = {}): Promise<MatrixEngine> {
  const rootfs = await ensureEngineRootfs();
  const state = stateDir("engines", options.dataDiskMb ? `${mode}-disk${options.dataDiskMb}` : mode);
  const socketPath = path.join(state, "sock", "docker.sock");
  // An engine an interrupted run left on this data directory would fight the new one over it.
  for (const pid of processesMentioning(state)) await stopEngineProcess(pid, false);
  const logFile = path.join(state, "engine.log");
  const log = openSync(logFile, "w");
  // The engine has its own /tmp (a tmpfs in its mount namespace): the test suite's TMPDIR is not there.
  const { TMPDIR: _testTmp, ...inherited } = process.env;
  const env = {
    ...inherited,
    ...(options.dataDiskMb ? { DATA_DISK_MB: String(options.dataDiskMb) } : {}),
    ...(options.tlsDir ? { TLS_DIR: options.tlsDir } : {}),
  };
  const child = spawn("bash", [path.join(SCRIPTS, "start-engine.sh"), rootfs, state, mode], { detached: true, stdio: ["ignore", log, log], env });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start start-engine.sh: ${logFile}`);
  let exited = false;
  child.once("exit", () => (exited = true));
  const failed = async (why: string): Promise<never> => {
    await stopEngineProcess(pid, true);
    throw new Error(`the ${mode} engine ${why}; the end of ${logFile}:\n${lastLines(readFileSync(logFile, "utf8"))}`);
  };
  const started = Date.now();
  while (!(await answers(socketPath))) {
    if (exited) await failed("exited while starting");
    if (Date.now() - started > START_TIMEOUT_MS) await failed(`did not answer within ${START_TIMEOUT_MS / 1000} s`);
    await sleep(200);
  }
  const netnsPid = childrenOf(pid)[0];
  if (!netnsPid) await failed("answers, but its namespace has no process");
  return {
    mode,
    dockerHost: `unix://${socketPath}`,
    socketPath,
    state,
    netnsPid,
    dataRoot: `/proc/${netnsPid}/root/var/lib/docker`,
    async stop() {
      await stopEngineProcess(pid, true);
      while (await answers(socketPath)) await sleep(100);
    },
  };
}

/**
 * Copies images from the host's engine into `engine` (docker save | docker load), except stand-ins it already
 * has from the same recipe. Returns the names it copied.
 */
export async function loadStandIns(engine: MatrixEngine, images: string[]): Promise<string[]> {
  const host = new Dockerode();
  const target = new Dockerode({ socketPath: engine.socketPath });
  const recipeOf = async (docker: Dockerode, name: string): Promise<string | undefined> => {
    const image = await docker
      .getImage(name)
      .inspect()
      .catch(() => undefined);
    return image ? (image.Config?.Labels?.[LABEL.recipe] ?? "") : undefined;
  };
  const wanted: string[] = [];
  for (const name of images) {
    const recipe = await recipeOf(host, name);
    if (recipe === undefined) throw new Error(`${name} is not on the host's engine: run \`lab-grader setup\` there first`);
    if (!recipe || (await recipeOf(target, name)) !== recipe) wanted.push(name);
  }
  if (!wanted.length) return [];
  // One archive for all of them: images that share layers (python:3.9-slim and -buster are one image) are sent once.
  const archive = (await (host as unknown as { getImages(o: { names: string[] }): Promise<Readable> }).getImages({ names: wanted })) as Readable;
  const response = (await target.loadImage(archive)) as Readable;
  for await (const message of readJsonLines(response)) {
    const m = message as { error?: string; errorDetail?: { message?: string } };
    if (m.error || m.errorDetail)
      throw new Error(`loading ${wanted.join(", ")} into the ${engine.mode} engine: ${m.errorDetail?.message ?? m.error}`);
  }
  for (const name of wanted) {
    if ((await recipeOf(target, name)) === undefined) throw new Error(`${name} is still missing on the ${engine.mode} engine after docker load`);
  }
  return wanted;
}

/** runCli in the engine's network namespace: the grader probes containers at their address on the engine's bridge. */
export function runCliIn(engine: MatrixEngine, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const nsenter = ["nsenter", "-t", String(engine.netnsPid), "-n", "--"];
  return runCli(args, { ...env, DOCKER_HOST: engine.dockerHost, TESTCONTAINERS_RYUK_DISABLED: "true" }, undefined, nsenter);
}

/**
 * runCli as from GitLab's docker:dind or a Gradescope runner: the engine reached over TCP (tcp://127.0.0.1:2375 in
 * its network namespace, see start-engine.sh), and the grader unable to see its cgroups (an empty /sys/fs/cgroup in
 * a mount namespace of the grader's own) or its disk.
 */
export function runCliRemote(engine: MatrixEngine, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const hidden = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"', "remote"];
  const prefix = ["nsenter", "-t", String(engine.netnsPid), "-n", "--", ...hidden];
  return runCli(args, { ...env, DOCKER_HOST: REMOTE_DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED: "true" }, undefined, prefix);
}

export const REMOTE_DOCKER_HOST = "tcp://127.0.0.1:2375";

/** Pids of the processes (other than this one) with `dir`, or a path under it, among their arguments. */
export function processesMentioning(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    if (args.some((a) => a === dir || a.startsWith(`${dir}/`))) pids.push(pid);
  }
  return pids;
}

/** Whether an engine answers a ping on `socketPath`. */
export async function answers(socketPath: string): Promise<boolean> {
  try {
    await withTimeout(new Dockerode({ socketPath }).ping(), 3_000, "no answer");
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the unshare process `pid` and its namespace. The namespace's first process (dockerd, podman) is asked
 * first, so it shuts down cleanly and the data it keeps between runs stays usable; unshare ends with it, and
 * with --pid the kernel then kills everything else in the namespace. Whatever is left is killed: the whole
 * process group when `group` (we started it detached, so the group is ours), else the process.
 */
async function stopEngineProcess(pid: number, group: boolean): Promise<void> {
  for (const init of childrenOf(pid)) signal(init, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (group) signal(-pid, "SIGKILL");
  else signal(pid, "SIGKILL");
  while (alive(pid)) await sleep(50);
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Running, and not a zombie waiting for its parent to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function lastLines(text: string, count = 40): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
