import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { connectEngine } from "../../grader/engine/client";
import { leftoversOfRun } from "../../grader/engine/cleanup";
import type { GradesDocument } from "../../grader/report/grades";
import { runCli, type CliResult } from "../helpers/cli";
import { CHECK_IDS } from "../helpers/lab42-checks";
import { ensureXmllint, xmllintErrors } from "../helpers/xmllint";

/** The host file the symlinks in test/hostile/submissions point at; its content must never come out. */
const SECRET_FILE = "/tmp/lab-grader-hostile-secret.txt";

/**
 * Every hostile submission, graded in one real run with short timeouts. One submission must never stop the
 * batch, read the host's files, hide a failure, exhaust the machine or leave debris.
 */
describe("hostile submissions", () => {
  const secret = `HOST-SECRET-${randomBytes(8).toString("hex")}`;
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-hostile-"));
  const outDir = path.join(work, "reports");
  let result: CliResult;
  let grades: GradesDocument;
  /** What build-reaches-host's step would be told, and who called, on the port it calls on the engine's host. */
  const hostAnswer = `HOST-LISTENER-${randomBytes(8).toString("hex")}`;
  const callers: string[] = [];
  let listener: Server;

  const check = (id: string, checkId: string) => {
    const submission = grades.submissions.find((s) => s.id === id);
    if (!submission) throw new Error(`no grades for ${id}`);
    return submission.checks.find((c) => c.id === checkId)!;
  };

  beforeAll(async () => {
    writeFileSync(SECRET_FILE, `${secret}\n`);
    listener = createServer((socket) => {
      callers.push(String(socket.remoteAddress));
      socket.end(`${hostAnswer}\n`);
    });
    await new Promise<void>((resolve, reject) => listener.once("error", reject).listen(47123, "0.0.0.0", resolve));
    const submissions = path.join(work, "submissions");
    cpSync(path.resolve("test/hostile/submissions"), submissions, { recursive: true, verbatimSymlinks: true });
    result = await runCli(["grade", submissions, "--out", outDir, "--build-timeout", "40", "--probe-timeout", "8"]);
    grades = JSON.parse(readFileSync(path.join(outDir, "results.json"), "utf8")) as GradesDocument;
  }, 900_000);

  afterAll(() => {
    rmSync(SECRET_FILE, { force: true });
    listener?.close();
  });

  it("completes the batch: every submission graded, with every check", () => {
    expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr.slice(-5000) }).toEqual({ code: 0, stderr: "" });
    const ids = readdirSync(path.resolve("test/hostile/submissions")).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(grades.submissions.map((s) => s.id)).toEqual(ids);
    for (const submission of grades.submissions) {
      expect({ id: submission.id, checks: submission.checks.map((c) => c.id) }).toEqual({ id: submission.id, checks: CHECK_IDS });
      expect({ id: submission.id, graderError: submission.graderError }).toEqual({ id: submission.id, graderError: undefined });
    }
  });

  it("never lets host file content into any output", () => {
    const outputs = [
      readFileSync(path.join(outDir, "results.json"), "utf8"),
      readFileSync(path.join(outDir, "junit.xml"), "utf8"),
      result.stdout,
      result.stderr,
    ];
    for (const text of outputs) expect(text).not.toContain(secret);
    // The link travels as a link; the builder resolves it inside the context, where its target is not.
    expect(check("symlink-context", "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(/COPY app\.py secret\.txt \.\/: .*secret\.txt/),
    });
    expect(check("symlink-dockerfile", "image-builds").message).toMatch(/Dockerfile is a symbolic link/);
    expect(check("symlink-dockerfile", "dockerfile-multistage").message).toMatch(/Dockerfile is a symbolic link/);
  });

  it("gives build steps no network: a step calling the engine's host reaches nothing, and is told the lab's builds have none", () => {
    expect(callers).toEqual([]);
    expect(check("build-reaches-host", "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(
        /RUN python \/probe\.py: .*That step tried to reach the network, and this lab's builds have none[\s\S]*interfaces: \['lo'\]/,
      ),
    });
    for (const text of [readFileSync(path.join(outDir, "results.json"), "utf8"), result.stdout, result.stderr])
      expect(text).not.toContain(hostAnswer);
  });

  it("writes well-formed JUnit despite XML-breaking bodies and logs", () => {
    ensureXmllint();
    expect(xmllintErrors(path.join(outDir, "junit.xml"))).toBe("");
    expect(check("xml-breaker", "greeting-served").passed).toBe(false);
  });

  it("stops an endless build at the timeout", () => {
    expect(check("endless-run", "image-builds").message).toMatch(/did not finish within 40 s and was stopped at \[builder 2\/2\] RUN sleep infinity/);
  });

  it("decides a build that timed out or was killed beside the others' work by a second build with nothing else running", () => {
    const secondAlone = "\\(note: built twice, the second time with nothing else running: beside other submissions' work, ";
    expect(check("endless-run", "image-builds").message).toMatch(new RegExp(`${secondAlone}the build did not finish within 40 s`));
    expect(check("memory-hog-build", "image-builds").message).toMatch(new RegExp(`${secondAlone}.*exit code: 137\\)`));
    for (const id of ["endless-run", "memory-hog-build"])
      expect(grades.submissions.find((s) => s.id === id)!.timingsMs!.rebuiltAlone).toBeGreaterThan(0);
  });

  it("contains a memory hog at build time and at run time", () => {
    expect(check("memory-hog-build", "image-builds")).toMatchObject({
      passed: false,
      message: expect.stringMatching(/^the build failed at \[builder 2\/2\] RUN python .*exit code: 137/),
    });
    expect(check("memory-hog-run", "container-runs").message).toMatch(/killed for using more than 512 MiB of memory \(OOM\)/);
  });

  it("contains a fork storm", () => {
    expect(check("fork-storm", "greeting-served").passed).toBe(false);
    expect(check("fork-storm", "image-builds").passed).toBe(true);
  });

  it("builds with BuildKit, whose steps the grader caps", () => {
    const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
    expect(built.length).toBeGreaterThan(5);
    expect(built.filter((s) => s.builder !== "buildkit").map((s) => s.id)).toEqual([]);
  });

  it("keeps only the head and tail of flooded logs", () => {
    const build = check("log-flood-build", "image-builds");
    expect(build.passed).toBe(true);
    expect(check("log-flood-run", "greeting-served").passed).toBe(true);
    expect(readFileSync(path.join(outDir, "results.json")).length).toBeLessThan(2_000_000);
  });

  it("times out an app that accepts and never answers, and cuts a body of hundreds of MB", () => {
    expect(check("accepts-never-answers", "greeting-served").message).toMatch(/no answer within \d+ s/);
    expect(check("huge-body", "greeting-served").message).toMatch(/answered 200 but with "Hello, Docker Multi-Stage Build!x+…" \(cut\)/);
  });

  it("grades a submission whose name is made of quotes, markup and non-ASCII", () => {
    const id = `name "<&>" ñandú 'x'`;
    expect(grades.submissions.find((s) => s.id === id)!.score).toBe(10);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(readFileSync(path.join(outDir, "junit.xml"), "utf8"));
    expect(xml.testsuites.testsuite.map((suite: { name: string }) => suite.name)).toContain(id);
  });

  it("keeps a formula-shaped id from running as a formula in grades.csv", () => {
    const csv = readFileSync(path.join(outDir, "grades.csv"), "utf8");
    expect(csv).toContain(`"'=HYPERLINK(""http:evil.invalid"";""x"")"`);
    expect(csv).not.toMatch(/^"=/m);
  });

  it("reports a container that exits at once, and removes one that ignores SIGTERM", async () => {
    expect(check("exits-at-once", "container-runs").message).toMatch(/exited with code 0/);
    expect(check("ignores-sigterm", "greeting-served").passed).toBe(true);
  });

  it("runs the app in the sandbox: memory and pids limits, no capabilities, NoNewPrivs", () => {
    expect(check("sandbox-probe", "greeting-served")).toMatchObject({ passed: true });
  });

  it("gives the running app no way out (its resolver cannot look up outside names)", () => {
    expect(check("egress-probe", "greeting-served")).toMatchObject({ passed: true });
  });

  it("refuses other images and ADD <url> before building", () => {
    expect(check("from-other-image", "image-builds").message).toMatch(
      /FROM lab-grader\/lab42-reference:solution is not one of this lab's base images/,
    );
    expect(check("add-url", "image-builds").message).toMatch(/ADD http:\/\/deb\.debian\.org\/debian\/README downloads from the network/);
  });

  it("leaves no containers or networks and stays under 600 MiB", async () => {
    const engine = await connectEngine();
    expect(await leftoversOfRun(engine, grades.runId)).toEqual({ containers: [], networks: [] });
    expect(grades.grader.peakRssBytes).toBeGreaterThan(0);
    expect(grades.grader.peakRssBytes).toBeLessThan(600 * 1024 ** 2);
  });
});
