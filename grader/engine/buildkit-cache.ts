import type Dockerode from "dockerode";

interface CacheRecord {
  ID: string;
  Size?: number;
}

/** The ids of the engine's BuildKit cache records now. */
export async function buildCacheIds(docker: Dockerode): Promise<Set<string>> {
  const df = (await docker.df()) as { BuildCache?: CacheRecord[] | null };
  return new Set((df.BuildCache ?? []).map((r) => r.ID));
}

/**
 * Removes the BuildKit cache records that were not there in `before` — what a run's BuildKit builds added (their
 * steps' layers and mounts' caches). The images in the engine's image store, the lab's base images among them,
 * are not build cache and stay. Returns the bytes reclaimed.
 */
export async function pruneBuildCacheAdded(docker: Dockerode, before: Set<string>): Promise<number> {
  const added = [...(await buildCacheIds(docker))].filter((id) => !before.has(id));
  if (!added.length) return 0;
  // dockerode's pruneBuilder sends no query options: the request is made as it makes the others
  const result = await new Promise<{ SpaceReclaimed?: number } | undefined>((resolve, reject) =>
    docker.modem.dial(
      { path: "/build/prune?", method: "POST", options: { all: true, filters: { id: added } }, statusCodes: { 200: true, 500: "server error" } },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as { SpaceReclaimed?: number })),
    ),
  );
  return result?.SpaceReclaimed ?? 0;
}
