import { GenericContainer } from "testcontainers";

/**
 * What a container's log may take on the engine's disk: json-file, rotated at 1 MiB, 2 files. The feedback
 * keeps only the last lines anyway; without a cap a flood stays on disk until the container is removed.
 */
export const CONTAINER_LOG_FILES = { maxSizeBytes: 1024 * 1024, maxFiles: 2 };

export interface RunLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
}

/**
 * A GenericContainer with the sandbox a submission runs in: memory with no extra swap, a CPU quota, a pids
 * limit, every capability dropped, no privilege escalation and a capped log. testcontainers has no builder
 * methods for most of these, so this sets them on its host config.
 */
export class SandboxedContainer extends GenericContainer {
  withSandbox(limits: RunLimits): this {
    this.hostConfig.Memory = limits.memoryBytes;
    // Equal to Memory: the container gets no swap on top of its memory.
    this.hostConfig.MemorySwap = limits.memoryBytes;
    this.hostConfig.NanoCpus = Math.ceil(limits.cpus * 1e9);
    this.hostConfig.PidsLimit = limits.pids;
    this.hostConfig.CapDrop = ["ALL"];
    this.hostConfig.SecurityOpt = ["no-new-privileges"];
    this.hostConfig.LogConfig = {
      Type: "json-file",
      Config: { "max-size": String(CONTAINER_LOG_FILES.maxSizeBytes), "max-file": String(CONTAINER_LOG_FILES.maxFiles) },
    };
    return this;
  }

  /** Has the engine cap the container's disk (`--storage-opt size=`; see disk-quota.ts for what it covers). */
  withStorageSize(bytes: number): this {
    this.hostConfig.StorageOpt = { size: String(bytes) };
    return this;
  }

  /** Publishes `port` on 127.0.0.1 only (testcontainers publishes on every interface). */
  withLoopbackPort(port: number): this {
    this.withExposedPorts(port);
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: "0" }] };
    return this;
  }
}
