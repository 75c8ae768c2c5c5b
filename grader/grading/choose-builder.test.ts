import { analyzeDockerfile } from "../dockerfile/analyze";
import { buildkitLimitsNote, chooseBuilder, defaultBuilder, olderThan, type BuilderPlan } from "./choose-builder";

const usable = (requested: BuilderPlan["requested"], engineVersion = "28.5.2"): BuilderPlan => ({
  requested,
  buildkit: { usable: true, capped: true, cgroup: "/docker/buildkit", steps: { dir: "/sys/fs/cgroup/memory/docker/buildkit", shared: false } },
  engineVersion,
});
const uncapped = (requested: BuilderPlan["requested"]): BuilderPlan => ({
  requested,
  buildkit: { usable: true, capped: false, reason: "the engine is not local" },
  engineVersion: "28.5.2",
});
const unusable: BuilderPlan = {
  requested: "auto",
  buildkit: { usable: false, reason: "the engine's API (1.38) has no BuildKit builds" },
  engineVersion: "18.09.1",
};
const choose = (plan: BuilderPlan, text: string) => chooseBuilder(plan, analyzeDockerfile(text));

const CLASSIC = "FROM python:3.9-slim\nRUN true\n";
const HEREDOC = "FROM python:3.9-slim\nRUN <<EOF\ntrue\nEOF\n";
const MOUNT = "FROM python:3.9-slim\nRUN --mount=type=cache,target=/root/.cache true\n";

describe("chooseBuilder", () => {
  it("auto: BuildKit wherever the run can cap it; buildkit and classic insist", () => {
    expect(choose(usable("auto"), CLASSIC)).toEqual({ ok: true, builder: "buildkit", notes: [], blankLines: [] });
    expect(choose(usable("auto"), MOUNT)).toEqual({ ok: true, builder: "buildkit", notes: [], blankLines: [] });
    expect(choose(usable("buildkit"), CLASSIC)).toMatchObject({ ok: true, builder: "buildkit" });
    expect(choose(usable("classic"), CLASSIC)).toMatchObject({ ok: true, builder: "classic" });
  });

  it("classic: refuses BuildKit-only syntax, naming the feature, the line and the option", () => {
    const choice = choose({ ...usable("classic") }, MOUNT);
    expect(choice).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/BuildKit-only syntax: RUN --mount=type=cache \(line 2\)\. .*--builder classic/),
    });
  });

  it("auto where BuildKit cannot be capped: BuildKit, saying what does not hold, for what needs it; the classic builder for the rest", () => {
    const note = "built with BuildKit, its RUN steps not held to the lab's build limits: the engine is not local";
    expect(choose(uncapped("auto"), MOUNT)).toEqual({ ok: true, builder: "buildkit", notes: [note], blankLines: [] });
    expect(choose(uncapped("auto"), CLASSIC)).toEqual({ ok: true, builder: "classic", notes: [], blankLines: [] });
    expect(choose(uncapped("buildkit"), CLASSIC)).toEqual({ ok: true, builder: "buildkit", notes: [note], blankLines: [] });
    expect(defaultBuilder(uncapped("auto"))).toBe("classic");
    expect(defaultBuilder(uncapped("buildkit"))).toBe("buildkit");
    expect(defaultBuilder(usable("auto"))).toBe("buildkit");
    expect(buildkitLimitsNote(uncapped("auto"))).toMatch(
      /^BuildKit builds only Dockerfiles that need it .*not held to the lab's build limits \(memory, CPU, pids, disk budget; the build timeout holds\): the engine is not local$/,
    );
    expect(buildkitLimitsNote(uncapped("buildkit"))).toMatch(/^BuildKit builds every Dockerfile, /);
    expect(buildkitLimitsNote(usable("auto"))).toBeUndefined();
    expect(buildkitLimitsNote(uncapped("classic"))).toBeUndefined();
  });

  it("auto where the engine has no BuildKit: says why, and how to rewrite", () => {
    expect(choose(unusable, MOUNT)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /this engine's BuildKit cannot be used for grading: the engine's API \(1\.38\) has no BuildKit builds\. Rewrite those lines/,
      ),
    });
    expect(choose(unusable, CLASSIC)).toMatchObject({ ok: true, builder: "classic" });
  });

  it("names the engine release a feature needs when this engine's frontend is older", () => {
    expect(choose(usable("auto", "20.10.24+dfsg1"), HEREDOC)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^RUN with a heredoc \(<<\) \(line 2\) needs Docker Engine 23\.0 or later; this engine is Docker Engine 20\.10\.24\+dfsg1\./,
      ),
    });
    expect(choose(usable("auto", "20.10.24"), MOUNT)).toMatchObject({ ok: true, builder: "buildkit" });
    expect(choose(usable("auto", "23.0.0"), HEREDOC)).toMatchObject({ ok: true, builder: "buildkit" });
  });

  it("refuses secrets, SSH and the host's network with any builder", () => {
    const choice = choose(usable("buildkit"), "FROM python:3.9-slim\nRUN --mount=type=secret,id=x true\nRUN --network=host true\n");
    expect(choice).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^RUN --mount=type=secret \(line 2\): .*; RUN --network=host \(line 3\): /),
    });
  });

  it("builds the official # syntax= frontend with the engine's own, blanking the line; refuses other frontends", () => {
    const official = choose(usable("auto"), `# syntax=docker/dockerfile:1.4\n${MOUNT}`);
    expect(official).toMatchObject({
      ok: true,
      builder: "buildkit",
      blankLines: [0],
      notes: [expect.stringMatching(/engine's own Dockerfile frontend/)],
    });
    expect(choose(usable("auto"), `# syntax = docker.io/docker/dockerfile:1\n${MOUNT}`)).toMatchObject({ ok: true, blankLines: [0] });
    expect(choose(usable("auto"), `# syntax=docker/dockerfile:1-labs\n${MOUNT}`)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/asks for a frontend image, which the grader cannot download/),
    });
    // The classic builder has no frontends: the line is ignored, and said so.
    expect(choose(usable("classic"), `# syntax=example.com/frontend:2\n${CLASSIC}`)).toMatchObject({
      ok: true,
      builder: "classic",
      notes: [expect.stringMatching(/ignored/)],
    });
  });

  it("compares engine versions", () => {
    expect(olderThan("20.10.24+dfsg1", "23.0")).toBe(true);
    expect(olderThan("23.0.0", "23.0")).toBe(false);
    expect(olderThan("28.5.2", "23.0")).toBe(false);
    expect(olderThan("dev", "23.0")).toBe(false);
  });
});
