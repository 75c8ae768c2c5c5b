import { ExitCode, UserFacingError } from "../common/exit-codes";
import { stateDir } from "../common/state-dir";
import { sweepDeadRunsBuildCache } from "../engine/buildkit-cache";
import { sweepDeadRuns } from "../engine/cleanup";
import { engineLocation, tryConnectEngine } from "../engine/client";
import { keptCacheOf, keptCacheSize, trimKeptCache } from "../engine/kept-build-cache";
import { REFERENCE_KEY_LABEL } from "../grading/reference";
import { sweepRunFolders } from "../grading/run-folders";

/**
 * `lab-grader clean`: removes what the grader keeps on the engine between runs — the BuildKit cache it kept and
 * the reference images — and what graders that died left. The lab's base images stay (`setup` made them; every
 * run needs them), and so does everything that is not the grader's.
 */
export async function cleanCommand(): Promise<number> {
  const engine = await tryConnectEngine();
  if (!engine) throw new UserFacingError(`no Docker engine answers at ${engineLocation()}: nothing to clean there`, ExitCode.notReady);
  const kept = keptCacheOf(engine.docker, await engine.docker.info());
  const swept = await sweepDeadRuns(engine);
  const deadRunsCache = await sweepDeadRunsBuildCache(engine.docker, stateDir("runs"), kept.engineId);
  const deadRunFolders = sweepRunFolders(stateDir("runs"));
  // The images first: a step's record can be held while an image built from it is there
  let references = 0;
  for (const image of await engine.docker.listImages({ filters: { label: [REFERENCE_KEY_LABEL] } })) {
    const removed = await engine.docker
      .getImage(image.Id)
      .remove({ force: true })
      .then(() => true)
      .catch(() => false);
    if (removed) references++;
  }
  const before = await keptCacheSize(kept);
  const after = await trimKeptCache(kept, 0);
  console.log(`build cache: removed ${after.removed} record(s), ${mb(before.bytes - after.bytes)}`);
  if (after.records)
    console.log(
      `  ${after.records} record(s) were left: in use by a build under way, or stood on by a record that is not the grader's (\`docker builder prune\` removes every record)`,
    );
  console.log(`reference images: removed ${references}`);
  console.log(
    `left by graders that died: ${swept.containers} container(s), ${swept.networks} network(s), ${swept.images} image(s), the BuildKit cache of ${deadRunsCache} run(s), ${deadRunFolders} run folder(s)`,
  );
  return ExitCode.ok;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
