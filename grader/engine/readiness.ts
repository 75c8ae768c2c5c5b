import { ExitCode, UserFacingError } from "../common/exit-codes";
import { keptCacheOf, keptCacheSize, type KeptCache } from "./kept-build-cache";
import { engineLocation, tryConnectEngine, type Engine } from "./client";
import { baseImageState, isReady } from "./base-images";
import { engineKind, productName, unsupportedReason, type EngineKind } from "./engine-kind";
import { probeBuildkitCgroup } from "./buildkit-sandbox";
import { describeStepsCgroup, UNCAPPED_STEPS } from "./buildkit-cgroups";
import { freeBytes, locateEngineStorage, type EngineStorage } from "./engine-storage";
import { describeQuota, detectContainerQuota } from "./disk-quota";
import { unmeasurableDriver } from "./buildkit-disk";

export interface ReadinessFact {
  name: string;
  ok: boolean;
  value: string;
  /** What to do, when !ok. */
  fix?: string;
}

/** API version from which the engine accepts BuildKit builds (`version=2`) through the API. */
const BUILDKIT_MIN_API = [1, 39];

/**
 * Every fact `doctor` reports, one per line; ready when all are ok. `neededFree`: what grading needs free on the
 * engine's disk, and what makes that up.
 */
/** What the grader keeps of the engine's BuildKit cache between runs (see kept-build-cache.ts). */
async function keptCacheFact(kept: KeptCache, limitMb?: number): Promise<ReadinessFact> {
  const name = "build cache kept";
  try {
    const size = await keptCacheSize(kept);
    const limit = limitMb === undefined ? "" : ` (at most ${limitMb} MiB: buildCache.keepMb or --cache-limit)`;
    return { name, ok: true, value: `${(size.bytes / 1e6).toFixed(1)} MB in ${size.records} record(s)${limit}; \`lab-grader clean\` removes it` };
  } catch (error) {
    return { name, ok: true, value: `cannot be listed: ${(error as Error).message}` };
  }
}

export async function readinessFacts(
  baseImages: string[],
  neededFree: { bytes: number; madeOf: string },
  keptCacheLimitMb?: number,
): Promise<ReadinessFact[]> {
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
  const [version, info] = await Promise.all([engine.docker.version(), engine.docker.info()]);
  const kind = engineKind(version, info);
  const facts: ReadinessFact[] = [engineFact(kind)];
  facts.push({ name: "engine version", ok: true, value: `${productName(kind)} (API ${version.ApiVersion}, ${version.Os}/${version.Arch})` });
  facts.push({ name: "storage driver", ok: true, value: String(info.Driver) });
  facts.push({ name: "image store", ok: true, value: kind.storeDetail });
  const buildkit: ReadinessFact = { name: "BuildKit", ok: true, value: buildkitAvailability(kind) };
  facts.push(buildkit);
  facts.push(freeDiskFact(locateEngineStorage(engine.docker, info), neededFree.bytes, neededFree.madeOf));
  if (apiHasBuildkit(kind)) facts.push(await keptCacheFact(keptCacheOf(engine.docker, info), keptCacheLimitMb));
  let probeImage: string | undefined;
  for (const name of baseImages) {
    const state = await baseImageState(engine, name);
    const ok = isReady(state);
    if (ok) probeImage ??= name;
    facts.push({ name: `image ${name}`, ok, value: state.detail, fix: ok ? undefined : "run `lab-grader setup`" });
  }
  if (probeImage) facts.push({ name: "disk quota", ok: true, value: describeQuota(await detectContainerQuota(engine.docker, info, probeImage, {})) });
  const unmeasurable = unmeasurableDriver(info);
  const uncapped = (reason: string) =>
    `; grading uses it for the Dockerfiles that need it (the classic builder builds the rest), its RUN steps ${UNCAPPED_STEPS}: ` +
    `${reason}; --require-build-limits stops a run here`;
  if (apiHasBuildkit(kind) && unmeasurable) buildkit.value += uncapped(unmeasurable);
  else if (apiHasBuildkit(kind) && probeImage) {
    const located = await probeBuildkitCgroup(engine.docker, probeImage, {});
    buildkit.value += located.ok
      ? `; grading may use it: its RUN steps can be capped through cgroup ${describeStepsCgroup(located.cgroup)}`
      : located.unbuilt
        ? `; not used for grading (a Dockerfile that needs it is not built): ${located.reason}`
        : uncapped(located.reason);
  }
  return facts;
}

/** Reachable, and an engine lab-grader can grade on. */
function engineFact(kind: EngineKind): ReadinessFact {
  const why = unsupportedReason(kind);
  if (!why) return { name: "engine", ok: true, value: `reachable at ${engineLocation()}` };
  return {
    name: "engine",
    ok: false,
    value: `${productName(kind)} at ${engineLocation()} is not supported: ${why}`,
    fix: "use Docker Engine or Docker Desktop; Podman's Docker-compatible socket is not enough, since builds through it still run on Buildah",
  };
}

/** For grade and check: refuses, with doctor's words, an engine lab-grader cannot grade on. */
export async function requireSupportedEngine(engine: Engine): Promise<void> {
  const [version, info] = await Promise.all([engine.docker.version(), engine.docker.info()]);
  const fact = engineFact(engineKind(version, info));
  if (!fact.ok) throw new UserFacingError(`${fact.name}: ${fact.value}\nfix: ${fact.fix}`, ExitCode.notReady);
}

/** Whether the engine takes BuildKit builds (`version=2`) through its API. */
export function apiHasBuildkit(kind: EngineKind): boolean {
  if (kind.product === "podman") return false;
  const [major, minor] = kind.apiVersion.split(".").map(Number);
  return major > BUILDKIT_MIN_API[0] || (major === BUILDKIT_MIN_API[0] && minor >= BUILDKIT_MIN_API[1]);
}

function buildkitAvailability(kind: EngineKind): string {
  if (kind.product === "podman") return "not available (Podman builds with Buildah)";
  return apiHasBuildkit(kind)
    ? `available through the API (${kind.apiVersion} ≥ ${BUILDKIT_MIN_API.join(".")})`
    : `not available (API ${kind.apiVersion})`;
}

/** The engine's free space against what grading needs to start (the lab's floor plus one disk budget). */
function freeDiskFact(storage: EngineStorage, neededBytes: number, neededFor: string): ReadinessFact {
  const name = "free disk";
  if (!storage.found) return { name, ok: true, value: `not watched during grading: ${storage.reason}` };
  const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  const free = freeBytes(storage.paths);
  const where = storage.paths.map((p) => (storage.enginePid === undefined ? p : p.replace(`/proc/${storage.enginePid}/root`, ""))).join(" and ");
  const value = `${gib(free)} under ${where}; grading needs ${gib(neededBytes)} to start (${neededFor})`;
  if (free >= neededBytes) return { name, ok: true, value };
  return { name, ok: false, value, fix: "free space there (`docker system prune` removes unused images and build cache)" };
}
