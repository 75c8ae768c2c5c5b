import { cpSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { XMLParser } from "fast-xml-parser";
import { connectEngine } from "../../grader/engine/client";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli } from "../helpers/cli";
import { CHECK_IDS } from "../helpers/lab42-checks";
import { ensureChromium, renderedDom, screenshot } from "../helpers/chromium";
import { ensureXmllint, xmllintErrors } from "../helpers/xmllint";
import { expectedVerdicts, notGradedOn, SAMPLE_CORPORA } from "../helpers/expected-verdicts";
import { ensureFlaskVenvImage, provenanceLab } from "../helpers/provenance-lab";
import { olderThan } from "../../grader/grading/choose-builder";

/** Every sample: submissions/ and the provenance samples (test/provenance/, which need the lab variant). */
const sampleIds = Object.keys(expectedVerdicts());

/**
 * One real grading run over every sample submission plus the reference solution graded as a student, on Lab 42
 * with the image the provenance samples copy from among its base images: real builds, real containers, real
 * probes. The host engine grades the sample set once; every test here reads that run.
 */
describe("lab-grader grade on the sample submissions", () => {
  let work: string;
  let outDir: string;
  let grades: GradesDocument;
  let stdout = "";
  let stderr = "";
  let code: number | null;

  beforeAll(async () => {
    await ensureFlaskVenvImage((await connectEngine()).docker);
    const variant = provenanceLab();
    work = variant.work;
    outDir = path.join(work, "reports");
    const submissionsDir = path.join(work, "submissions");
    cpSync(SAMPLE_CORPORA.samples, submissionsDir, { recursive: true, verbatimSymlinks: true });
    cpSync(SAMPLE_CORPORA.provenance, submissionsDir, { recursive: true });
    cpSync(path.resolve("reference/solution"), path.join(submissionsDir, "reference-solution"), { recursive: true });
    // Run from the work folder, as an instructor runs it beside the class's folder
    const result = await runCli(["grade", "submissions", "--lab", variant.labFile, "--out", outDir], process.env, work);
    stdout = result.stdout;
    stderr = result.stderr;
    code = result.code;
    // 5: some samples are newer than this engine can build (see the test on them below)
    if (code !== 0 && code !== 5) throw new Error(`grade exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    grades = JSON.parse(readFileSync(path.join(outDir, "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  it("has an expected verdict for every sample and a sample for every expected verdict", () => {
    const samples = [...readdirSync(SAMPLE_CORPORA.samples), ...readdirSync(SAMPLE_CORPORA.provenance)].sort();
    expect(Object.keys(expectedVerdicts()).sort()).toEqual(samples);
  });

  it("grades every sample, sorted by id, with every check", () => {
    const ids = [...sampleIds, "reference-solution"].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(grades.submissions.map((s) => s.id)).toEqual(ids);
    for (const submission of grades.submissions) {
      expect(submission.checks.map((c) => c.id)).toEqual(CHECK_IDS);
      for (const check of submission.checks) {
        expect(check.points).toBe(check.passed ? check.maxPoints : 0);
        expect(check.message.length).toBeGreaterThan(0);
      }
      expect(submission.score).toBe(submission.checks.reduce((sum, c) => sum + c.points, 0));
      expect(submission.maxScore + (submission.notGraded?.points ?? 0)).toBe(10);
      expect(submission.graderError).toBeUndefined();
    }
  });

  it("does not grade what this engine cannot build, says what would, and exits 5 (0 when it builds them all)", () => {
    const expected = notGradedOn(grades.engine.version);
    const notGraded = Object.fromEntries(grades.submissions.filter((s) => s.notGraded).map((s) => [s.id, s.notGraded!.needs]));
    expect(notGraded).toEqual(expected);
    for (const id of Object.keys(expected)) {
      const submission = grades.submissions.find((s) => s.id === id)!;
      // The Dockerfile's own checks are graded; what needs the image is not, and counts neither way
      expect(submission.checks.filter((c) => !c.notGraded).map((c) => c.id)).toEqual(["dockerfile-multistage"]);
      expect(submission.notGraded).toMatchObject({ cause: "engine", points: 8 });
    }
    expect(code).toBe(Object.keys(expected).length ? 5 : 0);
    for (const [id, needs] of Object.entries(expected))
      expect(stderr).toContain(`  ${id}: image-builds, container-runs, greeting-served, venv-copied, size-under-threshold; needs ${needs}`);
  });

  it.each(sampleIds)("gives %s the expected verdicts on this engine", (id) => {
    const submission = grades.submissions.find((s) => s.id === id)!;
    const verdicts = Object.fromEntries(submission.checks.map((c) => [c.id, c.passed]));
    expect({ id, verdicts }).toEqual({ id, verdicts: expectedVerdicts(grades.engine.version)[id] });
  });

  it("gives the reference solution full marks", () => {
    const reference = grades.submissions.find((s) => s.id === "reference-solution")!;
    expect(reference.checks.filter((c) => !c.passed)).toEqual([]);
    expect(reference.score).toBe(10);
    expect(grades.reference.referenceBytes).toBe(reference.imageBytes);
  });

  it("says where a venv copied from another image came from, and from which step", () => {
    const venv = grades.submissions.find((s) => s.id === "quinn-venv-from-image")!.checks.find((c) => c.id === "venv-copied")!;
    expect(venv.message).toMatch(
      /copied from another image, not from a stage of this Dockerfile \(by `COPY --from=lab-grader-test\/flask-venv:1 \/opt\/venv \/opt\/venv`, line 8\)/,
    );
  });

  it("counts a COPY --from of one file for that file, not for the directory it lands in", () => {
    // rita's final image holds what the reference's does; `COPY --from=builder /app/app.py .` lands in /app,
    // which also holds the venv: counting /app would make it some 4 % larger.
    const rita = grades.submissions.find((s) => s.id === "rita-handout-fixed")!;
    expect(Math.abs(rita.imageBytes! / grades.reference.referenceBytes - 1)).toBeLessThan(0.005);
  });

  it("records the engine, the reference sizes and the builder", () => {
    expect(grades.engine.apiVersion).toMatch(/^\d+\.\d+$/);
    expect(grades.engine.product).toMatch(/^Docker Engine \d+\./);
    expect(grades.engine.imageStore).toMatch(/ graphdriver$|^containerd snapshotter/);
    expect(grades.reference.thresholdBytes).toBe(Math.floor(grades.reference.referenceBytes * 1.1));
    expect(grades.reference.baselineBytes).toBeGreaterThan(0);
    // --builder auto on a local engine: BuildKit, as `docker build` on a current engine (classic: buildkit-parity.test.ts)
    expect(grades.submissions.filter((s) => s.imageBytes !== undefined && s.builder !== "buildkit").map((s) => s.id)).toEqual([]);
  });

  it("records where each submission's time went, and the report's", () => {
    const timings = grades.submissions.find((s) => s.id === "alice-venv-app")!.timingsMs!;
    for (const phase of ["build", "start", "probe", "run", "inspect", "total"]) expect(timings[phase]).toBeGreaterThan(0);
    expect(timings.start + timings.probe).toBeLessThanOrEqual(timings.run);
    expect(grades.grader.reportMs).toBeGreaterThanOrEqual(0);
  });

  it("explains failures the way the lab's students need", () => {
    const message = (id: string, check: string) => grades.submissions.find((s) => s.id === id)!.checks.find((c) => c.id === check)!;
    expect(message("dave-handout-step3", "image-builds").message).toMatch(
      /^the build failed at \[stage-1 4\/5\] COPY --from=builder \/app\/venv \/app\/venv: .*"\/app\/venv" not found[\s\S]*Last lines of that step's output:/,
    );
    expect(message("dave-handout-step3", "container-runs").message).toBe("not run: the image did not build (see image-builds)");
    expect(message("dave-handout-step3", "image-builds").hint).toMatch(/COPY --from/);
    expect(message("heidi-localhost", "greeting-served").message).toMatch(/Is the app listening on 0\.0\.0\.0:5000\?/);
    expect(message("grace-wrong-greeting", "greeting-served").message).toContain(
      'with "Hello, World!"; expected exactly "Hello, Docker Multi-Stage Build!"',
    );
    expect(message("ivan-crash-on-start", "container-runs").message).toMatch(
      /exited with code 1[\s\S]*ImportError: cannot import name 'render_templates'/,
    );
    expect(message("laura-venv-in-final-stage", "venv-copied").message).toMatch(
      /created in the final stage .*\(by `RUN python -m venv \/app\/venv && .*`, line 8\)/,
    );
    expect(message("nina-final-from-builder", "venv-copied").message).toMatch(
      /already in the image the final stage starts FROM .*\(by `FROM builder`, line 8\)/,
    );
    expect(message("oscar-venv-from-context", "venv-copied").message).toMatch(
      /copied from the submission's own files, .*\(by `COPY venv \/app\/venv`, line 11\)/,
    );
    expect(message("peggy-deleted-later", "venv-copied").message).toMatch(
      /brought into the final stage by `COPY --from=builder \/app\/venv \/app\/venv` \(line 9\)/,
    );
    expect(message("alice-venv-app", "venv-copied").message).toMatch(
      /brought into the final stage by `COPY --from=builder \/app\/venv \.\/venv` \(line 8\)/,
    );
    expect(message("mallory-buildkit-heredoc", "image-builds").message).toMatch(
      olderThan(grades.engine.version, "23.0")
        ? /^not graded: not built: RUN with a heredoc \(<<\) \(line 5\) needs Docker Engine 23\.0 or later; this engine is Docker Engine 20\./
        : /^built in /,
    );
    expect(message("rex-secret-mount", "image-builds").message).toBe(
      "not built: RUN --mount=type=secret (line 4): the grader gives builds no secrets and no SSH agent; the lab needs neither",
    );
    expect(message("ken-no-dockerfile", "image-builds").message).toMatch(/no file named Dockerfile/);
    expect(message("judy-bloated", "size-under-threshold").message).toMatch(/threshold is .* single-stage baseline is .*% larger/);
  });

  it("writes JUnit XML that xmllint accepts, one suite per submission with points", () => {
    ensureXmllint();
    const file = path.join(outDir, "junit.xml");
    expect(xmllintErrors(file)).toBe("");
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(readFileSync(file, "utf8"));
    const suites = [xml.testsuites.testsuite].flat();
    expect(suites.map((s: { name: string }) => s.name)).toEqual(grades.submissions.map((s) => s.id));
    const alice = suites.find((s: { name: string }) => s.name === "alice-venv-app");
    const cases = [alice.testcase].flat();
    expect(cases.map((c: { name: string }) => c.name)).toEqual([
      "dockerfile-multistage",
      "image-builds",
      "container-runs",
      "greeting-served",
      "venv-copied",
      "size-under-threshold",
    ]);
    // Where the checks point, for CI annotations: the submission's Dockerfile, relative to where grading ran
    expect(cases[0]).toMatchObject({ file: "submissions/alice-venv-app/Dockerfile", line: expect.stringMatching(/^\d+$/), time: "0" });
    expect(Number(alice.time)).toBeGreaterThan(0);
    expect(alice["system-out"]).toBe("score: 10/10");
    const props = [cases[0].properties.property].flat().map((p: { name: string; value: string }) => [p.name, p.value]);
    expect(props).toEqual([
      ["points", "2"],
      ["max_points", "2"],
    ]);
    const dave = [suites.find((s: { name: string }) => s.name === "dave-handout-step3").testcase].flat();
    expect(dave[1].failure.message).toMatch(/^0\/2 pts: the build failed/);
  });

  it("writes grades.csv (a row per submission, points per check) and summary.md", () => {
    const rows = parse(readFileSync(path.join(outDir, "grades.csv"), "utf8")) as string[][];
    expect(rows[0]).toEqual(["id", "score", "max", ...CHECK_IDS]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(grades.submissions.map((s) => s.id));
    expect(rows.find((r) => r[0] === "dave-handout-step3")).toEqual(["dave-handout-step3", "2", "10", "2", "0", "0", "0", "0", "0"]);
    const summary = readFileSync(path.join(outDir, "summary.md"), "utf8");
    // Counted from the expectations on this engine, plus the reference solution (full marks, built); what this
    // engine cannot build is not graded, and out of the figures
    const ungraded = Object.keys(notGradedOn(grades.engine.version)).length;
    const expected = Object.entries(expectedVerdicts(grades.engine.version))
      .filter(([id]) => !(id in notGradedOn(grades.engine.version)))
      .map(([, v]) => v);
    const total = expected.length + 1 + ungraded;
    const full = expected.filter((v) => Object.values(v).every(Boolean)).length + 1;
    const built = expected.filter((v) => v["image-builds"]).length + 1;
    const graded = total - ungraded;
    expect(summary).toMatch(new RegExp(`^${total} submission\\(s\\) graded on .*; mean score \\d+\\.\\d/10; ${full} with full marks\\.$`, "m"));
    expect(summary).toContain(`| \`image-builds\` | ${built}/${graded} | ${Math.round((100 * built) / graded)}% |`);
    expect(summary).toMatch(/^\| ken-no-dockerfile \| 0\/10 \| `dockerfile-multistage`, `image-builds`/m);
  });

  it("writes a self-contained report.html that Chromium renders, with one size bar per built image", () => {
    const report = path.join(outDir, "report.html");
    const html = readFileSync(report, "utf8");
    // Nothing it would load from elsewhere (a URL in a student's build log is text, escaped, and stays).
    expect(html).not.toMatch(/<script|<link |\b(?:src|href)\s*=\s*["']?[a-z]+:\/\/|url\(\s*["']?[a-z]+:\/\//i);
    ensureChromium();
    const dom = renderedDom(report);
    expect(dom).toContain("Docker Multi-Stage Builds: Optimizing Image Size — grades");
    const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
    expect(dom.match(/<div class="size-bar /g)).toHaveLength(built.length);
    expect(dom.match(/<div class="size-bar over"/g)).toHaveLength(built.filter((s) => s.imageBytes! > grades.reference.thresholdBytes).length);
    for (const cls of ["threshold", "reference", "baseline"]) expect(dom).toContain(`<span class="marker ${cls}"`);
    expect(dom.match(/<details class="submission"/g)).toHaveLength(grades.submissions.length);
    expect(dom).toContain("<b>zoë o'brien (resubmission)</b>");
    const png = path.join(outDir, "report.png");
    screenshot(report, png);
    const image = readFileSync(png);
    expect(image.subarray(1, 4).toString()).toBe("PNG");
    expect(image.length).toBeGreaterThan(20_000);
  }, 240_000);

  it("prints a summary table and one progress line per submission", () => {
    expect(stdout).toMatch(/^submission +score +c1 +c2/m);
    expect(stdout).toMatch(/^reference-solution +10\/10( +ok){6}/m);
    const total = sampleIds.length + 1;
    expect(stderr.match(new RegExp(`^\\[ ?\\d+/${total}\\] `, "gm"))).toHaveLength(total);
  });

  it("leaves no containers and no submission images behind", async () => {
    const engine = await connectEngine();
    const containers = await engine.docker.listContainers({ all: true, filters: { label: [`org.lab-grader.run=${grades.runId}`] } });
    expect(containers).toEqual([]);
    const images = await engine.docker.listImages({ filters: { reference: [`lab-grader/lab42-*:${grades.runId}`] } });
    expect(images).toEqual([]);
  });
});
