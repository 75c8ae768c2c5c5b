/** The parts of the engine's `version` answer read here (dockerode's DockerVersion, or a fixture). */
export interface VersionAnswer {
  Version: string;
  ApiVersion: string;
  Components?: Array<{ Name: string; Version: string }>;
}

/** The parts of the engine's `info` answer read here. */
export interface InfoAnswer {
  Driver?: string;
  DriverStatus?: Array<[string, string]>;
  /** Only Podman answers with it. */
  BuildahVersion?: string;
}

export interface EngineKind {
  product: "docker" | "podman";
  version: string;
  apiVersion: string;
  /** Docker's own graph drivers, Docker's containerd image store, or Podman's containers/storage. */
  store: "graphdriver" | "containerd" | "podman";
  /** The store in words, e.g. "overlay2 graphdriver", "containerd snapshotter (overlayfs)". */
  storeDetail: string;
}

export function engineKind(version: VersionAnswer, info: InfoAnswer): EngineKind {
  const podman = Boolean(version.Components?.some((c) => /podman/i.test(c.Name)) || info.BuildahVersion);
  return { product: podman ? "podman" : "docker", version: version.Version, apiVersion: version.ApiVersion, ...imageStore(info) };
}

/** "Docker Engine 28.5.2" or "Podman Engine 5.8.6". */
export function productName(kind: EngineKind): string {
  return `${kind.product === "podman" ? "Podman" : "Docker"} Engine ${kind.version}`;
}

/** Where the engine keeps images, in words, from `docker info`. */
export function describeImageStore(info: InfoAnswer): string {
  return imageStore(info).storeDetail;
}

/** Which kind of store the engine keeps images in, from `docker info`. */
export function imageStoreKind(info: InfoAnswer): EngineKind["store"] {
  return imageStore(info).store;
}

function imageStore(info: InfoAnswer): Pick<EngineKind, "store" | "storeDetail"> {
  const driver = info.Driver || "unknown";
  if (info.BuildahVersion) return { store: "podman", storeDetail: `Podman containers/storage (${driver})` };
  // The containerd store reports its snapshotter as the driver ("overlayfs") and says so only in DriverStatus.
  const driverType = info.DriverStatus?.find(([key]) => key === "driver-type")?.[1] ?? "";
  if (driverType.startsWith("io.containerd.snapshotter")) return { store: "containerd", storeDetail: `containerd snapshotter (${driver})` };
  return { store: "graphdriver", storeDetail: `${driver} graphdriver` };
}

/**
 * Why lab-grader cannot grade on this engine, or undefined when it can. Measured on Podman 5.8.6 through its
 * Docker-compatible socket: every build is rejected (`failed to parse query parameter 'buildargs': ""`: options
 * left unset go out as empty parameters, which Docker ignores); with that worked around, the build steps' images
 * were left behind — 83 untagged images after the samples, 12 on Docker 28 — because Buildah prints `--> id` where
 * the classic builder prints ` ---> id`, which is how the grader learns which images to remove.
 */
export function unsupportedReason(kind: EngineKind): string | undefined {
  if (kind.product !== "podman") return undefined;
  return (
    "Podman builds with Buildah, not Docker's builder; its Docker-compatible API rejects lab-grader's build requests, and " +
    "Buildah's build output differs from Docker's in what the grader reads to clean up after each submission"
  );
}
