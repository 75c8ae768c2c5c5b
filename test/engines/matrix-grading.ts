import { cpSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import type { GradesDocument } from "../../grader/report/grades";
import type { CliResult } from "../helpers/cli";
import {
  loadStandIns,
  REMOTE_DOCKER_HOST,
  runCliIn,
  runCliRemote,
  startMatrixEngine,
  type EngineMode,
  type MatrixEngine,
} from "../helpers/engine-matrix";
import { expectedVerdicts, LAB43, lab43Verdicts, needsBuildkit, verdictMismatches, SAMPLE_CORPORA } from "../helpers/expected-verdicts";
import { ensureFlaskVenvImage, provenanceLab } from "../helpers/provenance-lab";
import { buildCacheAdded, takeBuildCacheMark, type CacheMark } from "../../grader/engine/buildkit-cache";
import { REFERENCE_KEY_LABEL } from "../../grader/grading/reference";
import { stateDir } from "../../grader/common/state-dir";
import { cacheLeftSince } from "../helpers/kept-cache";
import { labVariant } from "../helpers/lab-variant";
import { expectPrivateCacheMounts, gradeCacheMountCorpus } from "../helpers/cache-mount-corpus";

const BASE_IMAGES = ["python:3.9-slim-buster", "python:3.9-slim", "python:3.11-slim", "golang:1.24"];
const BUILD_CALLS_OUT = "test/hostile/submissions/build-reaches-host";

/**
 * Grades every sample (submissions/, test/provenance/ and the reference solution, in one run, with the lab
 * variant that allows the provenance samples' extra image) on a current Docker engine of the matrix, and holds
 * it to the same expected verdicts as the host's engine. The engine is started for this file and stopped after.
 */
/**
 * `remote`: also grade every sample through the engine's TCP socket, with the grader unable to see its cgroups
 * (what GitLab's dind or a Gradescope runner presents). One engine of the matrix does it: the remote path does not
 * depend on the image store, and each run of the samples costs minutes of CI.
 */
export function describeGradingOn(mode: Exclude<EngineMode, "podman">, store: RegExp, { remote }: { remote: boolean }): void {
  describe(`Docker 28 with ${mode === "overlay2" ? "the overlay2 graphdriver" : "the containerd image store"}`, () => {
    let engine: MatrixEngine;
    let docker: Dockerode;
    let doctor: CliResult;
    let grades: GradesDocument;
    let remoteGrades: GradesDocument | undefined;
    let lab43Grades: GradesDocument;
    let cacheMountGrades: GradesDocument;
    let danglingBefore: Set<string>;
    let cacheMark: CacheMark;

    const dangling = async (): Promise<Set<string>> => new Set((await docker.listImages({ filters: { dangling: ["true"] } })).map((i) => i.Id));

    beforeAll(async () => {
      engine = await startMatrixEngine(mode);
      docker = new Dockerode({ socketPath: engine.socketPath });
      await loadStandIns(engine, BASE_IMAGES);
      await ensureFlaskVenvImage(docker);
      doctor = await runCliIn(engine, ["doctor"]);
      const { labFile, work } = provenanceLab();
      const submissions = path.join(work, "submissions");
      cpSync(SAMPLE_CORPORA.samples, submissions, { recursive: true, verbatimSymlinks: true });
      cpSync(SAMPLE_CORPORA.provenance, submissions, { recursive: true });
      // A build step that calls out (test/hostile/): on every engine it must see loopback only
      cpSync(path.resolve(BUILD_CALLS_OUT), path.join(submissions, "build-reaches-host"), { recursive: true });
      cpSync(path.resolve("reference/solution"), path.join(submissions, "reference-solution"), { recursive: true });
      danglingBefore = await dangling();
      cacheMark = await takeBuildCacheMark(docker);
      const result = await runCliIn(engine, ["grade", submissions, "--lab", labFile, "--out", path.join(work, "out")]);
      if (result.code !== 0) throw new Error(`grade on the ${mode} engine exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
      grades = JSON.parse(readFileSync(path.join(work, "out", "results.json"), "utf8")) as GradesDocument;
      if (remote) {
        // The same engine as GitLab's docker:dind or a Gradescope runner presents it: see runCliRemote
        const overTcp = await runCliRemote(engine, ["grade", submissions, "--lab", labFile, "--out", path.join(work, "out-remote")]);
        if (overTcp.code !== 0) throw new Error(`grade over TCP on the ${mode} engine exited ${overTcp.code}:\n${overTcp.stderr}\n${overTcp.stdout}`);
        remoteGrades = JSON.parse(readFileSync(path.join(work, "out-remote", "results.json"), "utf8")) as GradesDocument;
      }
      const lab43Run = await runCliIn(engine, ["grade", LAB43.samples, "--lab", LAB43.spec, "--out", path.join(work, "out-lab43")]);
      if (lab43Run.code !== 0)
        throw new Error(`grade of Lab 43 on the ${mode} engine exited ${lab43Run.code}:\n${lab43Run.stderr}\n${lab43Run.stdout}`);
      lab43Grades = JSON.parse(readFileSync(path.join(work, "out-lab43", "results.json"), "utf8")) as GradesDocument;
      cacheMountGrades = await gradeCacheMountCorpus((args) => runCliIn(engine, args));
    }, 3_600_000);

    afterAll(async () => {
      await engine?.stop();
    }, 120_000);

    it("is the engine doctor says, with its image store, and ready", () => {
      expect(doctor.stdout).toMatch(/^ok +engine version: Docker Engine 28\.\d+\.\d+/m);
      expect(doctor.stdout).toMatch(store);
      expect(doctor.stdout).toMatch(/^ready$/m);
      expect(doctor.code).toBe(0);
      expect(grades.engine.version).toMatch(/^28\./);
      expect(`ok      image store: ${grades.engine.imageStore}`).toMatch(store);
    });

    it("gives every sample the verdicts it gets on every other engine", () => {
      const expected = expectedVerdicts(grades.engine.version);
      expect(verdictMismatches(grades, expected)).toEqual([]);
      for (const submission of grades.submissions) expect({ id: submission.id, graderError: submission.graderError }).toEqual({ id: submission.id });
    });

    it("grades Lab 43 (Go, FROM scratch) with the verdicts it gets on every other engine", () => {
      const expected = lab43Verdicts();
      expect(verdictMismatches(lab43Grades, expected)).toEqual([]);
      expect(lab43Grades.submissions.map((s) => s.id)).toEqual(Object.keys(expected).sort());
      for (const submission of lab43Grades.submissions)
        expect({ id: submission.id, graderError: submission.graderError }).toEqual({ id: submission.id });
    });

    it("keeps each submission's cache mounts its own: a planter changes no other verdict", () => {
      expectPrivateCacheMounts(cacheMountGrades);
    });

    it("gives build steps no network, with either builder: a step that calls out sees loopback only and is told so", () => {
      for (const run of [grades, ...(remoteGrades ? [remoteGrades] : [])]) {
        const build = run.submissions.find((s) => s.id === "build-reaches-host")!.checks.find((c) => c.id === "image-builds")!;
        expect(build).toMatchObject({
          passed: false,
          message: expect.stringMatching(/That step tried to reach the network, and this lab's builds have none[\s\S]*interfaces: \['lo'\]/),
        });
      }
    });

    it("builds with BuildKit by default", () => {
      const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
      expect(built.length).toBeGreaterThan(15);
      expect(built.filter((s) => s.builder !== "buildkit").map((s) => s.id)).toEqual([]);
    });

    if (remote) {
      it("gives every sample the same verdicts through the engine over TCP, unable to see its cgroups: BuildKit, not held to the limits (said so), for what needs it", () => {
        expect(remoteGrades!.engine.location).toBe(`DOCKER_HOST=${REMOTE_DOCKER_HOST}`);
        expect(verdictMismatches(remoteGrades!, expectedVerdicts(remoteGrades!.engine.version))).toEqual([]);
        for (const submission of remoteGrades!.submissions)
          expect({ id: submission.id, graderError: submission.graderError }).toEqual({ id: submission.id });
        expect(remoteGrades!.engine.buildLimits).toMatch(
          /^BuildKit builds only Dockerfiles that need it \(the classic builder, with the limits, builds the rest\), its RUN steps not held to the lab's build limits .*: the engine is not local$/,
        );
        const built = remoteGrades!.submissions.filter((s) => s.imageBytes !== undefined);
        const byBuildkit = built.filter((s) => needsBuildkit("samples", s.id) || needsBuildkit("provenance", s.id));
        expect(byBuildkit.map((s) => s.id)).toEqual(expect.arrayContaining(["olivia-docker-init", "pablo-run-mount"]));
        expect(built.filter((s) => s.builder !== (byBuildkit.includes(s) ? "buildkit" : "classic")).map((s) => [s.id, s.builder])).toEqual([]);
        for (const submission of byBuildkit)
          expect(submission.checks.find((c) => c.id === "image-builds")!.message).toMatch(
            /built with BuildKit, its RUN steps not held to the lab's build limits/,
          );
      });

      it("says so in doctor there, and stops before grading with --require-build-limits or the lab's requireBuildLimits: exit 3, saying why", async () => {
        const doctorRemote = await runCliRemote(engine, ["doctor"]);
        expect(doctorRemote.stdout).toMatch(
          /^ok +BuildKit: .*; grading uses it for the Dockerfiles that need it \(the classic builder builds the rest\), its RUN steps not held to the lab's build limits .*the engine is not local; --require-build-limits stops a run here$/m,
        );
        const result = await runCliRemote(engine, ["check", "submissions/alice-venv-app", "--require-build-limits"]);
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(
          /--require-build-limits: this engine's BuildKit steps cannot be held to the lab's build limits: .*the engine is not local\. Grade on a local Linux engine/,
        );
        expect(result.stdout).not.toMatch(/score:/);
        const { labFile } = labVariant((yaml) => yaml.replace("requireBuildLimits: false", "requireBuildLimits: true"));
        const byLab = await runCliRemote(engine, ["check", "submissions/alice-venv-app", "--lab", labFile]);
        expect(byLab.code).toBe(3);
        expect(byLab.stderr).toMatch(/sandbox\.requireBuildLimits: this engine's BuildKit steps cannot be held to the lab's build limits/);
      });
    }

    it("builds each submission once: no build lost a cached image to another submission's clean-up", () => {
      const builtTwice = [...grades.submissions, ...(remoteGrades?.submissions ?? [])].filter((s) =>
        /built twice/.test(s.checks.find((c) => c.id === "image-builds")?.message ?? ""),
      );
      expect(builtTwice.map((s) => s.id)).toEqual([]);
    });

    it("gives the reference solution full marks and fails the bloated answers on size", () => {
      const byId = (id: string) => grades.submissions.find((s) => s.id === id)!;
      expect(byId("reference-solution").score).toBe(10);
      expect(grades.reference.referenceBytes).toBe(byId("reference-solution").imageBytes);
      for (const id of ["judy-bloated", "peggy-deleted-later"]) {
        expect(byId(id).imageBytes! / grades.reference.referenceBytes).toBeGreaterThan(1.2);
      }
      const judySize = byId("judy-bloated").checks.find((c) => c.id === "size-under-threshold")!.message;
      // Only the containerd store leaves the copied duplicates out of the layer; then the message says what was counted.
      if (mode === "containerd")
        expect(judySize).toMatch(
          /Each COPY --from counts for all it copied: line 9 copied [\d.]+ MB, of which this engine's image store kept [\d.]+ MB/,
        );
      else expect(judySize).not.toMatch(/Each COPY --from counts/);
    });

    it("leaves no containers, no tagged submission images and no untagged images of the submissions behind", async () => {
      expect(await docker.listContainers({ all: true, filters: { label: [`org.lab-grader.run=${grades.runId}`] } })).toEqual([]);
      expect(await docker.listImages({ filters: { reference: [`lab-grader/lab42-*:${grades.runId}`] } })).toEqual([]);
      expect(await docker.listContainers({ all: true, filters: { label: [`org.lab-grader.run=${lab43Grades.runId}`] } })).toEqual([]);
      expect(await docker.listImages({ filters: { reference: [`lab-grader/lab43-*:${lab43Grades.runId}`] } })).toEqual([]);
      // Nor its folder in the state directory (the grades are in the output folder)
      for (const run of [grades, lab43Grades, ...(remoteGrades ? [remoteGrades] : [])])
        expect(existsSync(path.join(stateDir("runs"), run.runId))).toBe(false);
      // What may stay: the images of the reference's and the baseline's builds (kept for the next run). Without
      // the clean-up, every submission would leave one per step (well over a hundred).
      const left = [...(await dangling())].filter((id) => !danglingBefore.has(id));
      expect(left.length).toBeLessThanOrEqual(25);
      // Of BuildKit's cache, the runs kept their steps' layers for the next run, noted as the grader's, and nothing else
      const cache = await cacheLeftSince(docker, cacheMark);
      expect({ runOnly: cache.runOnly, notKept: cache.notKept }).toEqual({ runOnly: [], notKept: [] });
      expect(cache.added.length).toBeGreaterThan(0);
    });

    it("`lab-grader clean` removes what the grader kept (its BuildKit cache, the reference images) and leaves the base images", async () => {
      const clean = await runCliIn(engine, ["clean"]);
      expect(clean.code).toBe(0);
      expect(clean.stdout).toMatch(/^build cache: removed [1-9]\d* record\(s\), [\d.]+ MB$/m);
      expect(clean.stdout).toMatch(/^reference images: removed [1-9]\d*$/m);
      expect(await buildCacheAdded(docker, cacheMark)).toEqual([]);
      expect(await docker.listImages({ filters: { label: [REFERENCE_KEY_LABEL] } })).toEqual([]);
      for (const base of BASE_IMAGES) await expect(docker.getImage(base).inspect()).resolves.toBeDefined();
      const doctorAfter = await runCliIn(engine, ["doctor"]);
      expect(doctorAfter.stdout).toMatch(/^ok +build cache kept: 0\.0 MB in 0 record\(s\)/m);
    });
  });
}
