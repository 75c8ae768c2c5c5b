import type Dockerode from "dockerode";
import { imageStoreKind, type InfoAnswer } from "./engine-kind";

/**
 * Whether the engine caps a container's writable layer itself (`--storage-opt size=`): overlay2 does when its
 * data root is an xfs mounted with `pquota`. btrfs and zfs accept a size too, but it covers the container's whole
 * root filesystem as their quota accounting counts it, and measured on btrfs it did not hold for an image built
 * moments before (a container wrote 1.4 GB through a 300 MB quota): they are not used (docs/disk.md). Build steps
 * are never capped this way (neither builder takes storage options): the disk watch measures them.
 */
export type ContainerQuota = { kind: "layer"; driver: string } | { kind: "none"; reason: string };

/**
 * Asks the engine: a container created (never started) with a size option is accepted only where the storage
 * can enforce it; overlay2 on any other filesystem refuses it. The container is removed at once.
 */
export async function detectContainerQuota(
  docker: Dockerode,
  info: InfoAnswer,
  image: string,
  labels: Record<string, string>,
): Promise<ContainerQuota> {
  const driver = String(info.Driver ?? "");
  if (driver !== "overlay2" || imageStoreKind(info) !== "graphdriver") {
    return { kind: "none", reason: `lab-grader uses the size option of overlay2 only, and this engine stores on ${driver || "an unknown driver"}` };
  }
  let container: Dockerode.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: image,
      Cmd: ["true"],
      Labels: labels,
      HostConfig: { StorageOpt: { size: String(64 * 1024 ** 2) }, NetworkMode: "none" },
    });
    return { kind: "layer", driver };
  } catch (error) {
    const message = String((error as { json?: { message?: string } }).json?.message ?? (error as Error).message);
    return { kind: "none", reason: `the engine refuses a size for containers: ${message.trim()}` };
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * The `size` storage option for a container with a disk budget, or undefined without a quota. The quota sits a
 * little above the budget: the storage counts its own metadata and whole blocks against it, so a writer is
 * stopped by the quota only once the watch can see it past the budget — the verdict is the budget's either way,
 * and the quota is the hard ceiling.
 */
export function storageSize(quota: ContainerQuota, budgetBytes: number): number | undefined {
  return quota.kind === "none" ? undefined : budgetBytes + quotaHeadroomBytes(budgetBytes);
}

/** What a container may write past its budget before the engine's quota stops it. */
export function quotaHeadroomBytes(budgetBytes: number): number {
  return Math.max(32 * 1024 ** 2, Math.round(budgetBytes / 8));
}

/** doctor's and grade's words for it. */
export function describeQuota(quota: ContainerQuota): string {
  if (quota.kind === "none") return `none (${quota.reason}); a watchdog measures what each container writes`;
  return `the engine caps each container's writable layer just above the disk budget (${quota.driver} on xfs with pquota, --storage-opt size)`;
}
