import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { runCLI } from "jest";
import type { AggregatedResult } from "@jest/test-result";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { packagePath } from "../common/package-path";
import { stateDir } from "../common/state-dir";
import { baseImageState, isReady } from "../engine/base-images";
import { engineLocation, tryConnectEngine, type Engine } from "../engine/client";
import { apiHasBuildkit, requireSupportedEngine } from "../engine/readiness";
import { startBuildkitSandbox } from "../engine/buildkit-sandbox";
import { markBuildCache, sweepDeadRunsBuildCache, takeBuildCacheMark } from "../engine/buildkit-cache";
import { keptCacheOf, settleRunCache, trimKeptCache, type KeptCache } from "../engine/kept-build-cache";
import { describeStepsCgroup, type BuildkitLimiter } from "../engine/buildkit-cgroups";
import { makeRunFolder, removeRunFolder, sweepRunFolders } from "./run-folders";
import { buildkitLimitsNote, defaultBuilder, type BuilderPlan, type BuilderRequest } from "./choose-builder";
import type { ReferenceFacts } from "./submission-facts";
import { engineKind, productName, type InfoAnswer } from "../engine/engine-kind";
import { leftoversOfRun, sweepDeadRuns } from "../engine/cleanup";
import { runLabels } from "../engine/labels";
import type { RunNetwork } from "../engine/run-container";
import { RUN_CONFIG_ENV, writeRunConfig, type EngineSummary, type GradingRunConfig } from "../jest/run-config";
import type { LabSpec } from "../lab/lab-spec";
import type { GradesDocument, SubmissionGrade } from "../report/grades";
import { reportGrades } from "../report/grades-from-jest";
import type { SkippedEntry, Submission } from "../submission/discover";
import { buildReference } from "./reference";
import { DiskFloor, roomToStartBytes } from "./disk-floor";
import { freeBytes, locateEngineStorage, type EngineStorage } from "../engine/engine-storage";
import type Dockerode from "dockerode";
import { describeQuota, detectContainerQuota, type ContainerQuota } from "../engine/disk-quota";
import { unmeasurableDriver } from "../engine/buildkit-disk";

export interface GradingRequest {
  spec: LabSpec;
  /** The submissions to grade now. */
  submissions: Submission[];
  /** Earlier grades to report as they are. */
  reused?: SubmissionGrade[];
  skipped: SkippedEntry[];
  outDir: string;
  concurrency?: number;
  buildTimeoutSeconds?: number;
  probeTimeoutSeconds?: number;
  keepImages: boolean;
  /** Default "auto" (see choose-builder.ts). */
  builder?: BuilderRequest;
  /** Print the class table at the end (grade) or not (check). */
  printTable: boolean;
  /** Start grades.csv with a UTF-8 byte order mark. */
  csvBom?: boolean;
  /** What is kept of BuildKit's cache after the run (default: the lab's buildCache.keepMb). */
  cacheLimitMb?: number;
  /** Stop before grading when BuildKit's RUN steps cannot be held to the lab's build limits (also sandbox.requireBuildLimits). */
  requireBuildLimits?: boolean;
}

/**
 * The whole grading pipeline for a set of submissions: engine and images ready, leftovers swept, reference
 * built, the run's network made, the lab's Jest spec run (which gathers facts and decides checks), and
 * everything the run created removed. Returns the grades the reporter wrote.
 */
export async function runGrading(request: GradingRequest): Promise<GradesDocument> {
  const { spec } = request;
  const specFile = jestSpecFile(spec);
  const engine = await requireReadyEngine(spec);
  const buildTimeoutSeconds = request.buildTimeoutSeconds ?? spec.timeouts.buildSeconds;
  const runId = `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").toLowerCase()}-${randomBytes(3).toString("hex")}`;
  const runDir = stateDir("runs", runId);
  makeRunFolder(runDir);
  const requested = request.builder ?? "auto";
  const [version, info] = await Promise.all([engine.docker.version(), engine.docker.info()]);
  const engineFacts = engineSummary(version, info);
  const kept = keptCacheOf(engine.docker, info);
  const cacheMark =
    requested === "classic"
      ? undefined
      : await takeBuildCacheMark(engine.docker).catch((error) => {
          console.error(`warning: BuildKit's cache cannot be listed, so this run's will not be pruned: ${error}`);
          return undefined;
        });
  const unmarkCache = cacheMark && markBuildCache(runDir, cacheMark, kept.engineId);
  const keepBytes = (request.cacheLimitMb ?? spec.buildCache.keepMb) * 1024 ** 2;
  // Independent engine calls, at once: they are most of the time before the first build.
  const [swept, { plan: builders, limiter }, containerQuota] = await Promise.all([
    sweepDeadRuns(engine).then(async (result) => ({
      ...result,
      runsCache: await sweepDeadRunsBuildCache(engine.docker, stateDir("runs"), kept.engineId, (mark) => settleRunCache(kept, mark)).finally(() =>
        sweepRunFolders(stateDir("runs")),
      ),
    })),
    planBuilders(engine, spec, { builder: requested, requireBuildLimits: request.requireBuildLimits }, runId, version, info),
    detectContainerQuota(engine.docker, info, spec.baseImages[0], runLabels(runId)),
  ]);
  engineFacts.containerDiskQuota = describeQuota(containerQuota);
  engineFacts.buildLimits = buildkitLimitsNote(builders);
  if (swept.containers + swept.networks + swept.images + swept.runsCache) {
    console.error(
      `removed what a crashed earlier run left: ${swept.containers} container(s), ${swept.networks} network(s), ${swept.images} image(s), ` +
        `the BuildKit cache of ${swept.runsCache} run(s)`,
    );
  }
  const engineStorage = locateEngineStorage(engine.docker, info);
  const engineDisk = await checkEngineDisk(engineStorage, spec, kept);
  if (containerQuota.kind !== "none") console.error(`disk quota: ${describeQuota(containerQuota)}`);
  if (builders.requested !== "classic") {
    const buildkit = builders.buildkit;
    console.error(
      !buildkit.usable
        ? `BuildKit not used: ${buildkit.reason}`
        : buildkit.capped
          ? `BuildKit: RUN steps capped through cgroup ${buildkit.cgroup}`
          : `warning: ${buildkitLimitsNote(builders)}`,
    );
  }
  // Made while the reference is looked up or built; removed at the end whether or not that worked
  const networkMade = createRunNetwork(engine, spec, runId, info);
  networkMade.catch(() => undefined);
  let network: RunNetwork | undefined;
  let grades: GradesDocument | undefined;
  try {
    console.error("reference solution and single-stage baseline…");
    const reference = await buildReference(engine, spec, buildTimeoutSeconds, defaultBuilder(builders));
    console.error(reference.reusedImages ? "  reused: built by an earlier run from the same files and base images" : "  built");
    network = await networkMade;
    grades = await gradeWithJest(spec, request, {
      runId,
      runDir,
      specFile,
      buildTimeoutSeconds,
      network,
      reference,
      engineFacts,
      builders,
      engineDisk,
      containerQuota,
      keptCacheId: kept.engineId,
    });
    return grades;
  } finally {
    limiter?.stop();
    network ??= await networkMade.catch(() => undefined);
    // The build cache and the run's containers and network are independent: settled side by side
    await Promise.all([settleAndTrimCache(), removeRunContainersAndNetwork(engine, runId, network)]);
    removeRunFolder(runDir);
  }

  async function settleAndTrimCache(): Promise<void> {
    if (cacheMark) {
      await settleRunCache(kept, cacheMark, { readAgain: !grades || stoppedSomeBuild(grades) })
        .then(() => unmarkCache?.())
        .catch((error) => console.error(`warning: BuildKit's cache of this run was not pruned: ${error}`));
    }
    await keepWithin(kept, keepBytes, spec, engineStorage).catch((error) =>
      console.error(`warning: the BuildKit cache the grader keeps was not held to ${keepBytes / 1024 ** 2} MiB: ${error}`),
    );
  }
}

/**
 * Whether a build of the run may have been stopped from outside (a timeout, the disk budget, a stall, a grader
 * error), or was built again: the engine then commits its last cache records after the build has returned.
 */
export function stoppedSomeBuild(grades: GradesDocument): boolean {
  return grades.submissions.some(
    (s) =>
      s.graderError !== undefined ||
      s.timingsMs?.rebuiltAlone !== undefined ||
      s.checks.some((c) => c.reason === "timeout" || c.reason === "disk-budget" || c.notGraded?.cause === "grader"),
  );
}

/** Removes the run's network and whatever container or network of the run is still there (a crashed check's). */
async function removeRunContainersAndNetwork(engine: Engine, runId: string, network: RunNetwork | undefined): Promise<void> {
  if (network?.mode === "internal")
    await engine.docker
      .getNetwork(network.name)
      .remove()
      .catch(() => undefined);
  const left = await leftoversOfRun(engine, runId);
  if (left.containers.length + left.networks.length) {
    console.error(`warning: run ${runId} left ${left.containers.length} container(s) and ${left.networks.length} network(s); removing them`);
    for (const id of left.containers)
      await engine.docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    for (const name of left.networks)
      await engine.docker
        .getNetwork(name)
        .remove()
        .catch(() => undefined);
  }
}

interface RunSetup {
  runId: string;
  runDir: string;
  specFile: string;
  buildTimeoutSeconds: number;
  network: RunNetwork;
  reference: ReferenceFacts;
  engineFacts: EngineSummary;
  builders: BuilderPlan;
  engineDisk?: string[];
  containerQuota: ContainerQuota;
  keptCacheId: string;
}

/** Writes the run's config, runs the lab's Jest spec on it, and reports the grades from Jest's results. */
async function gradeWithJest(spec: LabSpec, request: GradingRequest, setup: RunSetup): Promise<GradesDocument> {
  const { runId, runDir, specFile, buildTimeoutSeconds, network, reference, engineFacts, builders, engineDisk, containerQuota, keptCacheId } = setup;
  const config: GradingRunConfig = {
    runId,
    labFile: spec.file,
    spec,
    outDir: path.resolve(request.outDir),
    recordsDir: path.join(runDir, "records"),
    submissions: request.submissions,
    reused: request.reused ?? [],
    skipped: request.skipped,
    concurrency: request.concurrency ?? Math.max(1, cpus().length),
    buildTimeoutSeconds,
    probeTimeoutSeconds: request.probeTimeoutSeconds ?? spec.timeouts.probeSeconds,
    keepImages: request.keepImages,
    network,
    reference,
    engine: engineFacts,
    builders,
    engineDisk,
    containerQuota,
    keptCacheId,
    startedAt: new Date().toISOString(),
    printTable: request.printTable,
    csvBom: request.csvBom,
  };
  const configFile = path.join(runDir, "run.json");
  writeRunConfig(configFile, config);
  mkdirSync(config.outDir, { recursive: true });
  console.error(`grading ${request.submissions.length} submission(s), ${config.concurrency} at a time, network ${network.mode} (run ${runId})…`);
  return reportGrades(config, spec, await runJest(specFile, configFile));
}

/** The lab's Jest spec: `<lab>.spec.ts` beside the lab's YAML when it has checks of its own, else the one that grades what the YAML declares. */
export function jestSpecFile(spec: LabSpec): string {
  const own = spec.file.replace(/\.ya?ml$/, ".spec.ts");
  return existsSync(own) ? own : packagePath("grader", "jest", "declared-checks.spec.ts");
}

async function requireReadyEngine(spec: LabSpec): Promise<Engine> {
  const engine = await tryConnectEngine();
  if (!engine)
    throw new UserFacingError(`no Docker engine answers at ${engineLocation()}: run \`lab-grader setup\` (or start Docker) first`, ExitCode.notReady);
  await requireSupportedEngine(engine);
  const states = await Promise.all(spec.baseImages.map((name) => baseImageState(engine, name)));
  const missing = states.filter((s) => !isReady(s));
  if (missing.length) {
    throw new UserFacingError(
      `base images not ready: ${missing.map((s) => `${s.name} (${s.detail})`).join("; ")}. Run \`lab-grader setup\``,
      ExitCode.notReady,
    );
  }
  return engine;
}

/**
 * The network submissions run on. internal: created for this run with no way out; the host probes each
 * container at its address, which works on a local Linux engine. Elsewhere (Docker Desktop, remote engines)
 * the app is probed through a published port — on 127.0.0.1 when the engine is local — and can reach outside.
 */
async function createRunNetwork(engine: Engine, spec: LabSpec, runId: string, info: { OperatingSystem?: string }): Promise<RunNetwork> {
  const localEngine = !process.env.DOCKER_HOST || process.env.DOCKER_HOST.startsWith("unix://");
  const localLinux = process.platform === "linux" && localEngine && !/docker desktop/i.test(String(info.OperatingSystem));
  const mode = spec.sandbox.network === "auto" ? (localLinux ? "internal" : "published") : spec.sandbox.network;
  if (mode === "published") return { mode, loopback: localEngine };
  const name = `lab-grader-${runId}`;
  await engine.docker.createNetwork({ Name: name, Internal: true, Labels: runLabels(runId), CheckDuplicate: true });
  return { mode, name };
}

/**
 * Where the run reads the engine's free space (see DiskFloor), after making sure there is room to start: with
 * less than the floor plus one submission's budget, nothing could be graded. What earlier runs kept of BuildKit's
 * cache goes first, as far as needed. Undefined, with a warning, when the engine's disk cannot be read from here.
 */
async function checkEngineDisk(storage: EngineStorage, spec: LabSpec, kept: KeptCache): Promise<string[] | undefined> {
  if (!storage.found) {
    console.error(
      `warning: the engine's free space is not watched (sandbox.diskFloorMb): ${storage.reason}. Each submission's disk budget still holds`,
    );
    return undefined;
  }
  const room = roomToStartBytes(spec.sandbox);
  await trimKeptCache(kept, Infinity, () => freeBytes(storage.paths) >= room);
  const admission = await new DiskFloor({
    measure: () => freeBytes(storage.paths),
    floorBytes: spec.sandbox.diskFloorMb * 1024 ** 2,
    budgetBytes: spec.sandbox.diskBudgetMb * 1024 ** 2,
  })
    .admit()
    .catch((error: Error) => {
      throw new UserFacingError(error.message, ExitCode.notReady);
    });
  admission.release();
  return storage.paths;
}

/**
 * Holds what the grader keeps of BuildKit's cache to `keepBytes` and, where the engine's disk can be read, to
 * what leaves the next run of this lab room to start.
 */
async function keepWithin(kept: KeptCache, keepBytes: number, spec: LabSpec, storage: EngineStorage): Promise<void> {
  const room = roomToStartBytes(spec.sandbox);
  await trimKeptCache(kept, keepBytes, storage.found ? () => freeBytes(storage.paths) >= room : undefined);
}

/**
 * Whether this run may build with BuildKit, and whether the grader holds its RUN steps to the lab's build limits
 * (probed with the lab's first base image). Where it cannot (a remote engine, Docker Desktop's VM, a storage
 * driver whose writes it cannot measure), BuildKit still builds — what needs it under `auto`, everything under
 * `--builder buildkit` — unless the run requires the limits (`--require-build-limits`, `sandbox.requireBuildLimits`),
 * which then stops it before grading. `--builder buildkit` where the engine has no usable BuildKit is an error.
 */
async function planBuilders(
  engine: Engine,
  spec: LabSpec,
  request: { builder: BuilderRequest; requireBuildLimits?: boolean },
  runId: string,
  version: Dockerode.DockerVersion,
  info: InfoAnswer,
): Promise<{ plan: BuilderPlan; limiter?: BuildkitLimiter }> {
  const requested = request.builder;
  const plan = (buildkit: BuilderPlan["buildkit"]): BuilderPlan => ({ requested, buildkit, engineVersion: version.Version });
  if (requested === "classic") return { plan: plan({ usable: false, reason: "--builder classic" }) };
  let result: { plan: BuilderPlan; limiter?: BuildkitLimiter };
  const unmeasurable = unmeasurableDriver(info);
  if (!apiHasBuildkit(engineKind(version, info))) {
    result = { plan: plan({ usable: false, reason: `the engine's API (${version.ApiVersion}) has no BuildKit builds` }) };
  } else if (unmeasurable) {
    result = { plan: plan({ usable: true, capped: false, reason: unmeasurable }) };
  } else {
    const limits = { memoryBytes: spec.sandbox.buildMemoryMb * 1024 ** 2, cpus: spec.sandbox.buildCpus, pids: spec.sandbox.pids };
    const sandbox = await startBuildkitSandbox(engine.docker, spec.baseImages[0], limits, runLabels(runId));
    result = sandbox.ok
      ? {
          plan: plan({
            usable: true,
            capped: true,
            cgroup: describeStepsCgroup(sandbox.cgroup),
            steps: { dir: sandbox.cgroup.dirs.memory ?? sandbox.cgroup.dirs.unified, shared: sandbox.cgroup.shared },
          }),
          limiter: sandbox.limiter,
        }
      : { plan: plan(sandbox.unbuilt ? { usable: false, reason: sandbox.reason } : { usable: true, capped: false, reason: sandbox.reason }) };
  }
  const buildkit = result.plan.buildkit;
  if (requested === "buildkit" && !buildkit.usable) {
    throw new UserFacingError(`--builder buildkit: ${buildkit.reason}. Use --builder auto or classic`, ExitCode.notReady);
  }
  if ((request.requireBuildLimits || spec.sandbox.requireBuildLimits) && buildkit.usable && !buildkit.capped) {
    throw new UserFacingError(
      `${request.requireBuildLimits ? "--require-build-limits" : "sandbox.requireBuildLimits"}: this engine's BuildKit steps cannot be held to ` +
        `the lab's build limits: ${buildkit.reason}. Grade on a local Linux engine (lab-grader doctor says whether its steps can be capped), ` +
        `or use --builder classic, whose limits the API applies (Dockerfiles that need BuildKit are then not built)`,
      ExitCode.notReady,
    );
  }
  return result;
}

function engineSummary(version: Dockerode.DockerVersion, info: InfoAnswer): EngineSummary {
  const kind = engineKind(version, info);
  return {
    location: engineLocation(),
    product: productName(kind),
    imageStore: kind.storeDetail,
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: version.Os,
    architecture: version.Arch,
  };
}

async function runJest(specFile: string, configFile: string): Promise<AggregatedResult> {
  process.env[RUN_CONFIG_ENV] = configFile;
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  const root = packagePath();
  const { results } = await runCLI(
    {
      _: [specFile],
      $0: "lab-grader",
      runTestsByPath: true,
      runInBand: true,
      watchman: false,
      // Without it Jest ends the whole process when it finds no test file, before the run's cleanup.
      passWithNoTests: true,
      // Every check starts at once and waits for its submission's facts; the grader's own semaphore and
      // timeouts bound the work. Jest takes these run-wide options from here: in `config`, which is also read
      // as the project's, they would print a validation warning on every run.
      maxConcurrency: 100_000,
      // The grader prints its own progress and table; the grades are made from the results runCLI returns.
      reporters: [],
      config: JSON.stringify({
        rootDir: root,
        roots: [path.dirname(specFile)],
        testEnvironment: "node",
        transform: { "^.+\\.ts$": [packagePath("dist", "grader", "jest", "spec-transformer.js"), { tsconfig: path.join(root, "tsconfig.json") }] },
        // Jest skips node_modules by default, and an installed lab-grader (npm install -g) sits in one: its own
        // spec (declared-checks.spec.ts) must still be run and compiled; only its dependencies are left alone.
        testPathIgnorePatterns: [],
        transformIgnorePatterns: [dependencyFilesPattern(root)],
        // Spec files anywhere import the grading API as "lab-grader/jest": the compiled code this process runs
        // too (dist/), so that one copy of the grader's modules serves both sides, and only the spec is compiled.
        moduleNameMapper: { "^lab-grader/(.*)$": path.join(root, "dist", "grader", "$1") },
        // Jest's per-test timeout must not cut a check that is only queued.
        testTimeout: 2_147_483_647,
      }),
    } as Parameters<typeof runCLI>[0],
    [root],
  );
  if (results.numTotalTestSuites === 0) throw new Error(`Jest ran no test file: ${specFile} was not picked up; see the output above`);
  return results;
}

/**
 * A pattern for every path inside a node_modules folder except the files of lab-grader itself (at `root`, which
 * is itself under node_modules when lab-grader is installed from npm).
 */
function dependencyFilesPattern(root: string): string {
  const sep = escapeRegExp(path.sep);
  return `^(?!${escapeRegExp(root + path.sep)}(?!node_modules${sep})).*${sep}node_modules${sep}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
