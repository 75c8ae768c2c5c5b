import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadLabSpec, type LabSpec } from "../lab/lab-spec";
import { engineCannotOutcome, fail, graderErrorOutcome, NOT_BUILT, pass } from "./check";
import { hintFor, unknownHintReasons } from "./hints";
import { CHECK_KINDS, labChecks } from "./index";

const lab42 = loadLabSpec(path.resolve("specs/lab42.yaml"));
const imageBuilds = labChecks(lab42).find((c) => c.id === "image-builds")!;
const containerRuns = labChecks(lab42).find((c) => c.id === "container-runs")!;
const withHints = (hints: LabSpec["hints"]): LabSpec => ({ ...lab42, hints });

describe("hintFor", () => {
  it("gives different advice for a missing Dockerfile, BuildKit-only syntax and a wrong COPY path", () => {
    const noDockerfile = hintFor(lab42, "image-builds", imageBuilds, fail("no-dockerfile", "not built: there is no file named Dockerfile"));
    const needsBuildkit = hintFor(lab42, "image-builds", imageBuilds, engineCannotOutcome("not built: the Dockerfile uses BuildKit-only syntax"));
    const wrongCopy = hintFor(lab42, "image-builds", imageBuilds, fail("copy-source-missing", "the build failed: COPY failed"));
    expect(noDockerfile).toMatch(/named exactly Dockerfile/);
    // The message names the lines and says how to rewrite them: a general hint about COPY --from would mislead.
    expect(needsBuildkit).toBeUndefined();
    expect(wrongCopy).toMatch(/COPY --from/);
    expect(new Set([noDockerfile, wrongCopy]).size).toBe(2);
  });

  it("takes the lab's hint for the reason first, then the check's own, then the lab's default", () => {
    const spec = withHints({ "image-builds": { default: "general", "no-dockerfile": "the lab's words", timeout: "the lab's timeout words" } });
    expect(hintFor(spec, "image-builds", imageBuilds, fail("no-dockerfile", "m"))).toBe("the lab's words");
    expect(hintFor(spec, "image-builds", imageBuilds, fail("timeout", "m"))).toBe("the lab's timeout words");
    expect(hintFor(spec, "image-builds", imageBuilds, fail("step-failed", "m"))).toBe("general");
    expect(hintFor(withHints({ "image-builds": "one text" }), "image-builds", imageBuilds, fail("step-failed", "m"))).toBe("one text");
  });

  it("gives no hint to a check that did not run because the image did not build, nor to a pass", () => {
    expect(hintFor(lab42, "container-runs", containerRuns, NOT_BUILT)).toBeUndefined();
    expect(hintFor(lab42, "container-runs", containerRuns, pass("ok"))).toBeUndefined();
  });

  it("gives no hint, not even the lab's default, to a check the grader failed on", () => {
    const spec = withHints({ "container-runs": { default: "check your CMD" }, "custom-check": "see the handout" });
    expect(hintFor(spec, "container-runs", containerRuns, graderErrorOutcome("watchdog: killed"))).toBeUndefined();
    expect(hintFor(spec, "custom-check", undefined, graderErrorOutcome("the check decided nothing"))).toBeUndefined();
  });

  it("gives an instructor's own check (no declared reasons) the lab's hint", () => {
    expect(hintFor(withHints({ "custom-check": "see the handout" }), "custom-check", undefined, { passed: false, message: "boom" })).toBe(
      "see the handout",
    );
  });
});

describe("unknownHintReasons", () => {
  it("names the lab's hint reasons a check never fails with", () => {
    expect(unknownHintReasons(withHints({ "image-builds": { default: "d", "copy-source-mising": "typo" } }), imageBuilds)).toEqual([
      "copy-source-mising",
    ]);
    expect(unknownHintReasons(lab42, imageBuilds)).toEqual([]);
  });
});

describe("the kinds' reasons", () => {
  it("declare every reason the kinds fail with (read from their sources)", () => {
    const sources = readdirSync(__dirname)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => readFileSync(path.join(__dirname, f), "utf8"));
    for (const kind of Object.values(CHECK_KINDS)) {
      const source = sources.find((text) => text.includes(`kind: "${kind.kind}"`))!;
      // A file may hold more than one kind: the reasons of all of them are the file's.
      const declared = new Set(
        Object.values(CHECK_KINDS)
          .filter((k) => source.includes(`kind: "${k.kind}"`))
          .flatMap((k) => Object.keys(k.reasons)),
      );
      const used = [...source.matchAll(/\bfail\(\s*"([a-z-]+)"/g)].map((m) => m[1]);
      if (/\bNOT_BUILT\b/.test(source)) used.push("not-built");
      expect({ kind: kind.kind, undeclared: used.filter((reason) => !declared.has(reason)) }).toEqual({ kind: kind.kind, undeclared: [] });
    }
  });
});

describe("README's table of reasons", () => {
  it("lists exactly the reasons each kind declares", () => {
    const readme = readFileSync(path.resolve("README.md"), "utf8").split("| kind | reasons |")[1] ?? "";
    for (const kind of Object.values(CHECK_KINDS)) {
      const row = new RegExp(`^\\| \`${kind.kind}\` \\| (.*) \\|$`, "m").exec(readme);
      const listed = (row?.[1] ?? "").split(", ").map((r) => r.replace(/`/g, ""));
      expect({ kind: kind.kind, listed }).toEqual({ kind: kind.kind, listed: Object.keys(kind.reasons) });
    }
  });
});
