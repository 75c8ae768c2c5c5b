import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli, type CliResult } from "../helpers/cli";
import { loadStandIns, startMatrixEngine, type MatrixEngine } from "../helpers/engine-matrix";
import { loadLabSpec } from "../../grader/lab/lab-spec";

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl as Docker's "Protect the
 * Docker daemon socket" guide makes them. Returns the folder: ca.pem, server-*.pem, and client/ with the names
 * DOCKER_CERT_PATH expects (ca.pem, cert.pem, key.pem).
 */
function makeCertificates(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-tls-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=lab-grader test CA", "-keyout", "ca-key.pem", "-out", "ca.pem");
  const sign = (name: string, subject: string, extensions: string) => {
    writeFileSync(path.join(dir, `${name}.ext`), extensions);
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`);
    ssl(
      "x509",
      "-req",
      "-days",
      "2",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}-cert.pem`,
    );
  };
  sign("server", "/CN=127.0.0.1", "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
  sign("client", "/CN=grader", "extendedKeyUsage = clientAuth\n");
  execFileSync("sh", ["-c", "mkdir client && cp ca.pem client/ca.pem && cp client-cert.pem client/cert.pem && cp client-key.pem client/key.pem"], {
    cwd: dir,
  });
  return dir;
}

/**
 * A remote engine reached over TLS, as from Gradescope's container (README, "Gradescope"): Docker 28 listening
 * on tcp://127.0.0.1:2376 with --tlsverify, the grader in the engine's network namespace with DOCKER_HOST,
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH — nothing else tells it where the engine is.
 */
describe("grading on a remote engine over TLS", () => {
  let engine: MatrixEngine;
  let certificates: string;
  const check = (env: NodeJS.ProcessEnv, gradescope: string): Promise<CliResult> =>
    runCli(
      ["check", "submissions/alice-venv-app", "--gradescope", gradescope],
      { ...process.env, DOCKER_HOST: "tcp://127.0.0.1:2376", TESTCONTAINERS_RYUK_DISABLED: "true", ...env },
      undefined,
      ["nsenter", "-t", String(engine.netnsPid), "-n", "--"],
    );
  const temp = (name: string) => path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-remote-")), name);

  beforeAll(async () => {
    certificates = makeCertificates();
    engine = await startMatrixEngine("overlay2", { tlsDir: certificates });
    await loadStandIns(engine, loadLabSpec("specs/lab42.yaml").baseImages);
  }, 600_000);

  afterAll(async () => {
    await engine?.stop();
    // The mount point Gradescope's layout needed (empty once its namespace is gone)
    try {
      rmdirSync("/autograder");
    } catch {
      // not made, or not empty: not ours to remove
    }
  }, 120_000);

  it("grades with the client certificate, as on a local engine, and says the engine's disk is not watched from here", async () => {
    const gradescope = temp("results.json");
    const result = await check({ DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: path.join(certificates, "client") }, gradescope);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("score: 10/10");
    expect(result.stderr).toMatch(/warning: the engine's free space is not watched \(sandbox\.diskFloorMb\): the engine is remote/);
    expect(JSON.parse(readFileSync(gradescope, "utf8"))).toMatchObject({ score: 10, max_score: 10 });
  }, 600_000);

  it("grades through Gradescope's run_autograder (examples/gradescope): /autograder/submission in, /autograder/results/results.json out", async () => {
    // Gradescope's layout, in a mount namespace of the test's own: the zip's files under /autograder/source
    const script = [
      "set -e",
      "mkdir -p /autograder && mount -t tmpfs tmpfs /autograder",
      "mkdir -p /autograder/source/lab-grader /autograder/source/docker-certs /autograder/results",
      'mount --bind "$REPO" /autograder/source/lab-grader',
      'cp "$REPO/examples/gradescope/run_autograder" /autograder/run_autograder',
      'cp "$CERTS"/*.pem /autograder/source/docker-certs/',
      'cp -r "$REPO/submissions/alice-venv-app" /autograder/submission',
      "printf 'DOCKER_HOST=tcp://127.0.0.1:2376\\nDOCKER_TLS_VERIFY=1\\nDOCKER_CERT_PATH=/autograder/source/docker-certs\\n' > /autograder/source/engine.env",
      "/autograder/run_autograder > /dev/null 2>&1",
      "cat /autograder/results/results.json",
    ].join("\n");
    const results = execFileSync(
      "nsenter",
      ["-t", String(engine.netnsPid), "-n", "--", "unshare", "--mount", "--propagation", "private", "bash", "-c", script],
      {
        encoding: "utf8",
        env: { ...process.env, REPO: path.resolve("."), CERTS: path.join(certificates, "client"), TESTCONTAINERS_RYUK_DISABLED: "true" },
        timeout: 600_000,
      },
    );
    expect(JSON.parse(results)).toMatchObject({
      score: 10,
      max_score: 10,
      output_format: "text",
      tests: expect.arrayContaining([expect.objectContaining({ name: "greeting-served", status: "passed" })]),
    });
  }, 600_000);

  it("refuses to grade without a certificate the engine accepts, and says so in Gradescope's results", async () => {
    const gradescope = temp("results.json");
    const result = await check({ DOCKER_TLS_VERIFY: "", DOCKER_CERT_PATH: "" }, gradescope);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no Docker engine answers at DOCKER_HOST=tcp:\/\/127\.0\.0\.1:2376/);
    expect(JSON.parse(readFileSync(gradescope, "utf8")).output).toMatch(/^The autograder could not grade this submission: no Docker engine answers/);
  }, 120_000);
});
