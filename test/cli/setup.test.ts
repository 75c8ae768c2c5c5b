import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-fs";
import { buildImage } from "../../grader/engine/build";
import { connectEngine } from "../../grader/engine/client";
import { inspectImage } from "../../grader/engine/images";
import { LABEL, standInPlanFor, standInRecipeHash } from "../../grader/engine/stand-in/stand-in-recipe";
import { loadLabSpec } from "../../grader/lab/lab-spec";
import { runCli } from "../helpers/cli";

const images = loadLabSpec("specs/lab42.yaml").baseImages;

describe("lab-grader setup", () => {
  it("on a ready machine changes nothing: no install, no build, same image ids", async () => {
    const engine = await connectEngine();
    const before = await Promise.all(images.map(async (name) => (await inspectImage(engine.docker, name))?.Id));
    const result = await runCli(["setup"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^engine: reachable at .*\(used as it is\)$/m);
    // Lines that only appear when setup does work.
    expect(result.stdout).not.toMatch(/apt-get install|^ +debootstrap |^ +building |starting dockerd|pulled|cannot pull|stand-in built|^removed /m);
    for (const image of images) expect(result.stdout).toMatch(new RegExp(`^image ${image.replace(/[.]/g, "\\.")}: (present|stand-in)`, "m"));
    const after = await Promise.all(images.map(async (name) => (await inspectImage(engine.docker, name))?.Id));
    expect(after).toEqual(before);
    expect(after.every(Boolean)).toBe(true);
  });

  it("removes the Debian bases and wheelhouses older stand-in recipes left, and nothing the lab uses", async () => {
    const engine = await connectEngine();
    const old = ["lab-grader/debian:bullseye-0123456789abcdef", "lab-grader/wheelhouse:0123456789abcdef"];
    for (const name of old) {
      const [repo, tag] = name.split(":");
      await engine.docker.getImage(images[0]).tag({ repo, tag });
    }
    const result = await runCli(["setup"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^removed \d+ image\(s\) left by older stand-in recipes$/m);
    for (const name of old) expect({ name, present: Boolean(await inspectImage(engine.docker, name)) }).toEqual({ name, present: false });
    for (const name of images) expect({ name, present: Boolean(await inspectImage(engine.docker, name)) }).toEqual({ name, present: true });
  });

  it("rebuilds a stand-in that an older recipe made", async () => {
    const engine = await connectEngine();
    // A name the lab does not use, so the images other tests rely on are untouched.
    const name = "python:3.11-bookworm";
    const source = images.find((i) => i.startsWith("python:3.11"))!;
    const [repo, tag] = name.split(":");
    await engine.docker.getImage(source).tag({ repo, tag });
    const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-stale-"));
    // Relabel the copy as made by an older recipe (a one-line build on top of it).
    writeFileSync(path.join(dir, "Dockerfile"), `FROM ${name}\nLABEL ${LABEL.recipe}=older-recipe\n`);
    const relabel = await buildImage(engine.docker, {
      context: tar.pack(dir) as unknown as Readable,
      tags: [name],
      timeoutMs: 60_000,
    });
    expect(relabel.ok).toBe(true);
    const spec = path.join(dir, "lab.yaml");
    writeFileSync(
      spec,
      `id: stale\ntitle: stale stand-in\nbaseImages: ["${name}"]\nreference: {solution: s, singleStage: b}\nchecks: [{id: builds, kind: image-builds, points: 1}]\n`,
    );
    try {
      const doctor = await runCli(["doctor", "--lab", spec]);
      expect(doctor.code).toBe(3);
      expect(doctor.stdout).toContain(`PROBLEM image ${name}: stand-in from an older recipe`);
      const result = await runCli(["setup", "--lab", spec, "--no-pull"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`image ${name}: stand-in built`);
      const labels = (await inspectImage(engine.docker, name))?.Config?.Labels ?? {};
      expect(labels[LABEL.recipe]).toBe(standInRecipeHash(standInPlanFor(name)!));
      // The stand-in it replaced is gone, not left untagged.
      expect(await inspectImage(engine.docker, relabel.imageId!)).toBeUndefined();
    } finally {
      await engine.docker
        .getImage(name)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }, 300_000);
});
