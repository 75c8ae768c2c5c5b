import { describeImageStore, engineKind, productName, unsupportedReason, type InfoAnswer, type VersionAnswer } from "./engine-kind";

// What the engines answered (trimmed to the fields read), measured 2026-11-28.
const docker = (Version: string, ApiVersion: string): VersionAnswer => ({
  Version,
  ApiVersion,
  Components: [
    { Name: "Engine", Version },
    { Name: "containerd", Version: "2.1.9+unknown" },
    { Name: "runc", Version: "1.3.6+ds1" },
  ],
});
const FIXTURES: Record<string, { version: VersionAnswer; info: InfoAnswer & Record<string, unknown> }> = {
  "Debian docker.io 20.10, overlay2": {
    version: docker("20.10.24+dfsg1", "1.41"),
    info: {
      Driver: "overlay2",
      DriverStatus: [
        ["Backing Filesystem", "extfs"],
        ["Supports d_type", "true"],
        ["Native Overlay Diff", "true"],
        ["userxattr", "false"],
      ],
      DockerRootDir: "/var/lib/docker",
    },
  },
  "docker.io 28.5.2, overlay2": {
    version: docker("28.5.2+dfsg4", "1.51"),
    info: {
      Driver: "overlay2",
      DriverStatus: [
        ["Backing Filesystem", "extfs"],
        ["Supports d_type", "true"],
        ["Using metacopy", "false"],
        ["Native Overlay Diff", "true"],
        ["userxattr", "false"],
      ],
      DockerRootDir: "/var/lib/docker",
    },
  },
  "docker.io 28.5.2, containerd image store": {
    version: docker("28.5.2+dfsg4", "1.51"),
    info: { Driver: "overlayfs", DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]], DockerRootDir: "/var/lib/docker" },
  },
  "Podman 5.8.6 (podman system service)": {
    version: {
      Version: "5.8.6",
      ApiVersion: "1.44",
      Components: [
        { Name: "Podman Engine", Version: "5.8.6" },
        { Name: "Conmon", Version: "conmon version 2.1.13, commit: unknown" },
      ],
    },
    info: {
      Driver: "overlay",
      DriverStatus: [
        ["Backing Filesystem", "extfs"],
        ["Supports d_type", "true"],
        ["Native Overlay Diff", "true"],
        ["Supports volatile", "true"],
      ],
      DockerRootDir: "/var/lib/containers/storage",
      BuildahVersion: "1.43.2",
    },
  },
};

describe("describeImageStore", () => {
  it.each([
    ["Debian docker.io 20.10, overlay2", "overlay2 graphdriver"],
    ["docker.io 28.5.2, overlay2", "overlay2 graphdriver"],
    ["docker.io 28.5.2, containerd image store", "containerd snapshotter (overlayfs)"],
    ["Podman 5.8.6 (podman system service)", "Podman containers/storage (overlay)"],
  ])("%s: %s", (fixture, expected) => {
    expect(describeImageStore(FIXTURES[fixture].info)).toBe(expected);
  });

  it("names an unknown driver rather than failing", () => {
    expect(describeImageStore({})).toBe("unknown graphdriver");
  });
});

describe("engineKind", () => {
  it.each([
    ["Debian docker.io 20.10, overlay2", { product: "docker", version: "20.10.24+dfsg1", apiVersion: "1.41", store: "graphdriver" }],
    ["docker.io 28.5.2, overlay2", { product: "docker", version: "28.5.2+dfsg4", apiVersion: "1.51", store: "graphdriver" }],
    ["docker.io 28.5.2, containerd image store", { product: "docker", version: "28.5.2+dfsg4", apiVersion: "1.51", store: "containerd" }],
    ["Podman 5.8.6 (podman system service)", { product: "podman", version: "5.8.6", apiVersion: "1.44", store: "podman" }],
  ])("%s", (fixture, expected) => {
    const { version, info } = FIXTURES[fixture];
    expect(engineKind(version, info)).toMatchObject(expected);
  });

  it("names the product with its version", () => {
    expect(productName(engineKind(FIXTURES["docker.io 28.5.2, overlay2"].version, {}))).toBe("Docker Engine 28.5.2+dfsg4");
    const podman = FIXTURES["Podman 5.8.6 (podman system service)"];
    expect(productName(engineKind(podman.version, podman.info))).toBe("Podman Engine 5.8.6");
  });

  it("supports every Docker engine and store, and not Podman", () => {
    for (const [name, { version, info }] of Object.entries(FIXTURES)) {
      const why = unsupportedReason(engineKind(version, info));
      if (name.startsWith("Podman")) expect(why).toMatch(/Buildah/);
      else expect(why).toBeUndefined();
    }
  });
});
