import { randomUUID } from "node:crypto";
import { appendFileSync, cpSync, rmSync } from "node:fs";
import path from "node:path";
import { connectEngine } from "../../grader/engine/client";
import { REFERENCE_KEY_LABEL, buildReference, referenceKey } from "../../grader/grading/reference";
import { buildNetworkMode, loadLabSpec } from "../../grader/lab/lab-spec";
import { labVariant } from "../helpers/lab-variant";

describe("reference images", () => {
  it("are reused across runs while their files and base images are the same, and rebuilt when a file changes", async () => {
    const engine = await connectEngine();
    const { labFile, work } = labVariant((yaml) =>
      yaml
        .replace(path.resolve("reference/solution"), path.join("..", "solution"))
        .replace(path.resolve("reference/single-stage"), path.join("..", "single-stage")),
    );
    const solution = path.join(work, "solution");
    const singleStage = path.join(work, "single-stage");
    cpSync(path.resolve("reference/solution"), solution, { recursive: true });
    cpSync(path.resolve("reference/single-stage"), singleStage, { recursive: true });
    // Files no earlier run had: the first call must build (the engine's layer cache makes that quick).
    const marker = `# reference-reuse test ${randomUUID()}\n`;
    appendFileSync(path.join(solution, "Dockerfile"), marker);
    appendFileSync(path.join(singleStage, "Dockerfile"), marker);
    const spec = loadLabSpec(labFile);
    const keys: string[] = [];
    // The lab's builds have no network: the reference is built, and keyed, the same way
    const network = buildNetworkMode(spec.sandbox);
    expect(network).toBe("none");
    try {
      keys.push(await referenceKey(engine, solution, "classic", network), await referenceKey(engine, singleStage, "classic", network));
      expect(await referenceKey(engine, solution, "classic")).not.toBe(keys[0]);
      const first = await buildReference(engine, spec, 300);
      expect(first.reusedImages).toBe(false);

      const second = await buildReference(engine, spec, 300);
      expect(second.reusedImages).toBe(true);
      expect(second.referenceBytes).toBe(first.referenceBytes);
      expect(second.thresholdBytes).toBe(first.thresholdBytes);

      appendFileSync(path.join(solution, "app.py"), "# changed\n");
      keys.push(await referenceKey(engine, solution, "classic", network));
      expect(keys[2]).not.toBe(keys[0]);
      const third = await buildReference(engine, spec, 300);
      expect(third.reusedImages).toBe(false);
      expect(await engine.docker.listImages({ filters: { label: [`${REFERENCE_KEY_LABEL}=${keys[2]}`] } })).toHaveLength(1);

      // Built by another builder, a reference is another build: measured as that run's submissions are
      keys.push(await referenceKey(engine, solution, "buildkit", network), await referenceKey(engine, singleStage, "buildkit", network));
      expect(keys[3]).not.toBe(keys[2]);
      const buildkit = await buildReference(engine, spec, 300, "buildkit");
      expect(buildkit.reusedImages).toBe(false);
      expect((await buildReference(engine, spec, 300, "buildkit")).reusedImages).toBe(true);
    } finally {
      for (const key of keys) {
        for (const image of await engine.docker.listImages({ filters: { label: [`${REFERENCE_KEY_LABEL}=${key}`] } })) {
          await engine.docker
            .getImage(image.Id)
            .remove({ force: true })
            .catch(() => undefined);
        }
      }
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
