import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../helpers/cli";

describe("lab-grader doctor", () => {
  it("exits 3 with a line that names the engine and the fix when DOCKER_HOST points at a closed socket", async () => {
    const closed = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-")), "closed.sock");
    const result = await runCli(["doctor"], { ...process.env, DOCKER_HOST: `unix://${closed}` });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`PROBLEM engine: not reachable at DOCKER_HOST=unix://${closed}`);
    expect(result.stdout).toMatch(/fix: start the engine DOCKER_HOST points at, or unset DOCKER_HOST/);
    expect(result.stdout).not.toMatch(/^ok/m);
  });

  it("reports every readiness fact and exits 0 on a ready machine", async () => {
    const result = await runCli(["doctor"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (const fact of ["engine", "engine version", "storage driver", "image store", "BuildKit", "free disk"]) {
      expect(result.stdout).toMatch(new RegExp(`^ok +${fact}: `, "m"));
    }
    expect(result.stdout).toMatch(/^ok +engine version: Docker Engine \d+\.\d+/m);
    expect(result.stdout).toMatch(/^ok +image store: (\S+ graphdriver|containerd snapshotter \(\S+\))$/m);
    // This machine's engine is local: its BuildKit steps' cgroups are here, so grading may build with it
    expect(result.stdout).toMatch(
      /^ok +BuildKit: available through the API \([\d.]+ ≥ 1\.39\); grading may use it: its RUN steps can be capped through cgroup \/\S+\/buildkit, cgroup v1$/m,
    );
    for (const image of ["python:3.9-slim-buster", "python:3.9-slim", "python:3.11-slim"]) {
      expect(result.stdout).toMatch(new RegExp(`^ok +image ${image.replace(/[.]/g, "\\.")}: (present|stand-in)`, "m"));
    }
    expect(result.stdout.trim().split("\n").pop()).toBe("ready");
  });

  it("exits 2 with the file and field when the lab spec is invalid", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-spec-"));
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      "id: lab42\ntitle: x\nbaseImages: []\nreference: {solution: s, singleStage: b}\nchecks: [{id: builds, kind: image-builds, points: 1}]\n",
    );
    const result = await runCli(["doctor", "--lab", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`lab spec ${file} is invalid`);
    expect(result.stderr).toMatch(/baseImages: must NOT have fewer than 1 items/);
  });
});
