import { readFileSync, readdirSync, readlinkSync, statSync, statfsSync } from "node:fs";
import path from "node:path";
import type Dockerode from "dockerode";
import { imageStoreKind, type InfoAnswer } from "./engine-kind";

/**
 * The filesystems an engine stores images, layers and containers on, as paths this process can measure.
 * `enginePid` is the process found listening on the socket; without it the paths are the engine's own, read as
 * they are here (see locateEngineStorage).
 */
export type EngineStorage = { found: true; paths: string[]; enginePid?: number } | { found: false; reason: string };

/**
 * Finds the engine's storage from its API socket: the process listening on that very socket (the same file,
 * compared by device and inode through the process's own root, so an engine in a chroot or another mount
 * namespace is found too) is the engine, and its data root (`DockerRootDir`) — plus containerd's, where the
 * containerd image store keeps the layers — resolve under that process's root. Only a local engine whose process
 * this user may read can be found; a remote engine, Docker Desktop's VM or an engine behind a proxy socket cannot.
 * A user who may not read the engine's process (a CI job in the `docker` group) gets the engine's paths as they
 * are on this machine, which is where a local engine on the host's own root keeps them.
 */
export function locateEngineStorage(docker: Dockerode, info: InfoAnswer & { OperatingSystem?: string; DockerRootDir?: string }): EngineStorage {
  const socketPath = (docker.modem as { socketPath?: unknown }).socketPath;
  if (typeof socketPath !== "string")
    return { found: false, reason: "the engine is remote (reached over the network), so its disk cannot be read from here" };
  if (/docker desktop/i.test(String(info.OperatingSystem)))
    return { found: false, reason: "the engine runs in Docker Desktop's VM, whose disk cannot be read from here" };
  let socket: { dev: number; ino: number };
  try {
    socket = statSync(socketPath);
  } catch (error) {
    return { found: false, reason: `cannot read the engine's socket ${socketPath}: ${(error as Error).message}` };
  }
  const enginePid = listeningProcess(socket);
  const root = enginePid === undefined ? "/" : `/proc/${enginePid}/root`;
  const dataRoot = String(info.DockerRootDir ?? "/var/lib/docker");
  const candidates = [dataRoot, ...(imageStoreKind(info) === "containerd" ? ["/var/lib/containerd"] : [])].map((p) => path.join(root, p));
  const paths = candidates.filter((p) => {
    try {
      statfsSync(p);
      return true;
    } catch {
      return false;
    }
  });
  if (!paths.length)
    return {
      found: false,
      reason: `the engine's data root ${dataRoot} cannot be read from here (a remote engine behind a local socket, or an engine in a VM)`,
    };
  return enginePid === undefined ? { found: true, paths } : { found: true, paths, enginePid };
}

/** Bytes an unprivileged writer could still use (as `df` shows "Avail") on the fullest of `paths`. */
export function freeBytes(paths: string[]): number {
  return Math.min(
    ...paths.map((p) => {
      const stats = statfsSync(p);
      return stats.bavail * stats.bsize;
    }),
  );
}

/**
 * The pid of a process listening on the unix socket file `socket`. /proc/net/unix lists the listening sockets of
 * this network namespace with the path they were bound to (in their process's view) and their inode; a process
 * holding that inode, whose root resolves the path to the same file, is the listener.
 */
function listeningProcess(socket: { dev: number; ino: number }): number | undefined {
  const listening = new Map<string, string>();
  for (const line of readFileSync("/proc/net/unix", "utf8").split("\n").slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 is a listening socket
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || !(parseInt(fields[3], 16) & 0x10000) || !fields[7].startsWith("/")) continue;
    listening.set(`socket:[${fields[6]}]`, fields.slice(7).join(" "));
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const bound = listening.get(target);
      if (bound === undefined) continue;
      try {
        const file = statSync(path.join(`/proc/${entry}/root`, bound));
        if (file.dev === socket.dev && file.ino === socket.ino) return Number(entry);
      } catch {
        // that process's root is not ours to read
      }
    }
  }
  return undefined;
}
