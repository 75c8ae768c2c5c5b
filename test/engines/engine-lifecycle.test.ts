import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { describeImageStore } from "../../grader/engine/engine-kind";
import { loadLabSpec } from "../../grader/lab/lab-spec";
import { answers, loadStandIns, processesMentioning, runCliIn, startMatrixEngine, type MatrixEngine } from "../helpers/engine-matrix";

// The first run on a machine bootstraps the engines' Debian unstable root (minutes) and copies the stand-ins
// (about 20 s); later runs find both and take seconds.
const FIRST_RUN_MS = 20 * 60_000;

let engine: MatrixEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

/** Stops the engine and checks that nothing of it is left. */
async function stopAndCheck(): Promise<void> {
  const stopped = engine!;
  engine = undefined;
  await stopped.stop();
  expect(await answers(stopped.socketPath)).toBe(false);
  expect(processesMentioning(stopped.state)).toEqual([]);
}

describe("engine matrix: Docker Engine 28 with the overlay2 graphdriver", () => {
  it(
    "starts, answers as 28.x on overlay2, is ready for the lab once the stand-ins are loaded, and stops leaving nothing",
    async () => {
      engine = await startMatrixEngine("overlay2");
      const docker = new Dockerode({ socketPath: engine.socketPath });
      expect((await docker.version()).Version).toMatch(/^28\./);
      const info = await docker.info();
      expect(info.Driver).toBe("overlay2");
      expect(describeImageStore(info)).toBe("overlay2 graphdriver");

      // doctor checks every base image of the lab, not just the first.
      await loadStandIns(engine, loadLabSpec(path.resolve("specs/lab42.yaml")).baseImages);
      const doctor = await runCliIn(engine, ["doctor"]);
      expect(doctor).toMatchObject({ code: 0, stderr: "" });
      expect(doctor.stdout).toMatch(/^ok +engine: reachable at DOCKER_HOST=unix:\/\/.*\/engines\/overlay2\/sock\/docker\.sock$/m);
      expect(doctor.stdout).toMatch(/^ok +engine version: Docker Engine 28\./m);
      expect(doctor.stdout).toMatch(/^ok +image store: overlay2 graphdriver$/m);

      await stopAndCheck();
    },
    FIRST_RUN_MS,
  );
});

describe("engine matrix: Podman 5 through its Docker-compatible socket", () => {
  it(
    "is refused by doctor, setup, grade and check with exit 3 and the same reason",
    async () => {
      engine = await startMatrixEngine("podman");
      const doctor = await runCliIn(engine, ["doctor"]);
      expect(doctor.code).toBe(3);
      const problem = /^PROBLEM (engine: Podman Engine 5\.\S+ at DOCKER_HOST=unix:\/\/\S+ is not supported: Podman builds with Buildah.*)$/m.exec(
        doctor.stdout,
      );
      expect(problem).not.toBeNull();
      expect(doctor.stdout).toMatch(/^ +fix: use Docker Engine or Docker Desktop; Podman's Docker-compatible socket is not enough/m);
      expect(doctor.stdout).toMatch(/^ok +BuildKit: not available \(Podman builds with Buildah\)$/m);
      expect(doctor.stdout).toMatch(/^ok +image store: Podman containers\/storage \(overlay\)$/m);

      const work = mkdtempSync(path.join(tmpdir(), "lab-grader-podman-"));
      cpSync(path.resolve("submissions/alice-venv-app"), path.join(work, "submissions", "alice-venv-app"), { recursive: true });
      const check = await runCliIn(engine, ["check", path.join(work, "submissions", "alice-venv-app")]);
      expect(check.code).toBe(3);
      expect(check.stderr).toContain(`lab-grader: ${problem![1]}`);
      const setup = await runCliIn(engine, ["setup"]);
      expect(setup.code).toBe(3);
      expect(setup.stderr).toContain(`lab-grader: ${problem![1]}`);
      const grade = await runCliIn(engine, ["grade", path.join(work, "submissions"), "--out", path.join(work, "reports")]);
      expect(grade.code).toBe(3);
      expect(grade.stderr).toContain(`lab-grader: ${problem![1]}`);

      await stopAndCheck();
    },
    FIRST_RUN_MS,
  );
});
