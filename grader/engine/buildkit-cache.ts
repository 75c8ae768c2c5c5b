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
 * are not build cache and stay. The engine takes one id per prune request, and keeps a record while a newer one
 * stands on it, so it goes round until nothing more goes. Returns the bytes reclaimed.
 */
export async function pruneBuildCacheAdded(docker: Dockerode, before: Set<string>): Promise<number> {
  let reclaimed = 0;
  for (let round = 0; round < 5; round++) {
    const added = [...(await buildCacheIds(docker))].filter((id) => !before.has(id));
    if (!added.length) break;
    let removed = 0;
    for (let i = 0; i < added.length; i += 8) {
      const results = await Promise.all(added.slice(i, i + 8).map((id) => pruneOne(docker, id)));
      for (const r of results) {
        removed += r?.CachesDeleted?.length ?? 0;
        reclaimed += r?.SpaceReclaimed ?? 0;
      }
    }
    if (!removed) break;
  }
  return reclaimed;
}

function pruneOne(docker: Dockerode, id: string): Promise<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number } | undefined> {
  // dockerode's pruneBuilder sends no query options: the request is made as it makes the others
  return new Promise((resolve, reject) =>
    docker.modem.dial(
      { path: "/build/prune?", method: "POST", options: { all: true, filters: { id: [id] } }, statusCodes: { 200: true, 500: "server error" } },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as { CachesDeleted?: string[]; SpaceReclaimed?: number })),
    ),
  );
}
