import { statfs } from "node:fs/promises";
import { engineLocation, tryConnectEngine } from "./client";
import { baseImageState, isReady } from "./base-images";

export interface ReadinessFact {
  name: string;
  ok: boolean;
  value: string;
  /** What to do, when !ok. */
  fix?: string;
}

const MIN_FREE_BYTES = 5 * 1024 ** 3;
/** API version from which the engine accepts BuildKit builds (`version=2`) through the API. */
const BUILDKIT_MIN_API = [1, 39];

/** Every fact `doctor` reports, one per line; ready when all are ok. */
export async function readinessFacts(baseImages: string[]): Promise<ReadinessFact[]> {
  const engine = await tryConnectEngine();
  if (!engine) {
    return [
      {
        name: "engine",
        ok: false,
        value: `not reachable at ${engineLocation()}`,
        fix: process.env.DOCKER_HOST
          ? "start the engine DOCKER_HOST points at, or unset DOCKER_HOST; then run lab-grader doctor again"
          : "run `lab-grader setup` (as root on Debian/Ubuntu it installs and starts dockerd), or start Docker Desktop/Engine",
      },
    ];
  }
  const facts: ReadinessFact[] = [{ name: "engine", ok: true, value: `reachable at ${engineLocation()}` }];
  const [version, info] = await Promise.all([engine.docker.version(), engine.docker.info()]);
  facts.push({ name: "engine version", ok: true, value: `${version.Version} (API ${version.ApiVersion}, ${version.Os}/${version.Arch})` });
  facts.push({ name: "storage driver", ok: true, value: String(info.Driver) });
  const [major, minor] = version.ApiVersion.split(".").map(Number);
  const buildkit = major > BUILDKIT_MIN_API[0] || (major === BUILDKIT_MIN_API[0] && minor >= BUILDKIT_MIN_API[1]);
  facts.push({
    name: "BuildKit",
    ok: true,
    value: buildkit ? `available through the API (${version.ApiVersion} ≥ ${BUILDKIT_MIN_API.join(".")})` : `not available (API ${version.ApiVersion})`,
  });
  facts.push(await freeDiskFact(String(info.DockerRootDir)));
  for (const name of baseImages) {
    const state = await baseImageState(engine, name);
    const ok = isReady(state);
    facts.push({ name: `image ${name}`, ok, value: state.detail, fix: ok ? undefined : "run `lab-grader setup`" });
  }
  return facts;
}

async function freeDiskFact(dataRoot: string): Promise<ReadinessFact> {
  const local = !process.env.DOCKER_HOST || process.env.DOCKER_HOST.startsWith("unix://");
  const name = "free disk";
  if (!local) return { name, ok: true, value: `unknown: the engine is remote (${dataRoot} on its host)` };
  try {
    const stats = await statfs(dataRoot);
    const free = stats.bavail * stats.bsize;
    const value = `${(free / 1024 ** 3).toFixed(1)} GiB under ${dataRoot}`;
    if (free >= MIN_FREE_BYTES) return { name, ok: true, value };
    return { name, ok: false, value, fix: `free at least ${MIN_FREE_BYTES / 1024 ** 3} GiB there (docker system prune -f removes unused images)` };
  } catch {
    return { name, ok: true, value: `unknown: ${dataRoot} is not readable from here (engine in a VM?)` };
  }
}
