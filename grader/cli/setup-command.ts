import { ExitCode } from "../common/exit-codes";
import { formatSeconds } from "../common/duration";
import { loadLabSpec } from "../lab/lab-spec";
import { ensureEngine } from "../engine/provision-engine";
import { ensureBaseImages } from "../engine/base-images";
import { requireSupportedEngine } from "../engine/readiness";
import { removeSupersededRecipeImages } from "../engine/stand-in/superseded";

/** `lab-grader setup`: makes the engine and every base image of the lab ready; safe to run again. */
export async function setupCommand(options: { lab: string; pull: boolean; pullTimeout: number }): Promise<number> {
  const started = Date.now();
  const spec = loadLabSpec(options.lab);
  const report = (line: string): void => console.log(line);
  const engine = await ensureEngine(report);
  await requireSupportedEngine(engine);
  await ensureBaseImages(engine, spec.baseImages, { pull: options.pull, pullTimeoutMs: options.pullTimeout * 1000 }, report);
  const removed = await removeSupersededRecipeImages(engine);
  if (removed) report(`removed ${removed} image(s) left by older stand-in recipes`);
  report(`ready in ${formatSeconds(Date.now() - started)}`);
  return ExitCode.ok;
}
