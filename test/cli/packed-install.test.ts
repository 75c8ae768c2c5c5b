import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runProgram, type CliResult } from "../helpers/cli";
import { CHECK_IDS } from "../helpers/lab42-checks";

const REPO = path.resolve(__dirname, "../..");

interface PackedTarball {
  filename: string;
  files: { path: string }[];
}

/** The result, when the command exited with `code`; else an error that shows all it printed. */
function exited(code: number, what: string, result: CliResult): CliResult {
  if (result.code !== code) throw new Error(`${what} exited ${result.code}, not ${code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function filesUnder(dir: string, prefix: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.posix.join(prefix, path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/")));
}

/**
 * The way a student gets lab-grader: the instructor's `npm pack` tarball installed with `npm install -g` in an
 * empty folder, then `lab-grader check` run in the student's own folder, far from this repository.
 */
describe("lab-grader installed from its packed tarball", () => {
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-packed-"));
  const prefix = path.join(work, "prefix");
  const bin = path.join(prefix, "bin", "lab-grader");
  let tarball: PackedTarball;
  let installed: string;
  const labGrader = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => runProgram(bin, args, env, cwd);
  /** A fresh folder outside the repository, with `from`'s files: where a student works. */
  const studentFolder = (from: string, name: string): string => {
    const dir = path.join(mkdtempSync(path.join(work, "student-")), name);
    cpSync(from, dir, { recursive: true });
    return dir;
  };

  beforeAll(async () => {
    // npm pack runs `prepare` (the build), as it does for an instructor.
    const packed = exited(0, "npm pack", await runProgram("npm", ["pack", "--json", "--pack-destination", work], process.env, REPO));
    tarball = (JSON.parse(packed.stdout) as PackedTarball[])[0];
    const empty = path.join(work, "empty");
    mkdirSync(empty);
    exited(
      0,
      "npm install -g",
      await runProgram(
        "npm",
        ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", path.join(work, tarball.filename)],
        process.env,
        empty,
      ),
    );
    installed = realpathSync(path.join(prefix, "lib", "node_modules", "lab-grader"));
  }, 240_000);

  // The installed copy and its dependencies take about 140 MB.
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("holds what runs at grading time and setup time, and none of the repository's tests, samples or node_modules", () => {
    const files = tarball.files.map((f) => f.path);
    const needed = [
      "package.json",
      "bin/lab-grader.js",
      "dist/grader/cli/main.js",
      "dist/grader/jest/spec-transformer.js",
      "specs/lab43.yaml",
      "dist/specs/lab-spec.schema.json",
      "specs/lab42.yaml",
      // the spec file of a lab with none of its own
      "grader/jest/declared-checks.spec.ts",
      "specs/lab-spec.schema.json",
      // what the spec imports as "lab-grader/jest" (the compiled grader), and the tsconfig ts-jest compiles the spec with
      "dist/grader/jest/index.js",
      "tsconfig.json",
      ...filesUnder(path.join(REPO, "reference"), "reference"),
      // the offline stand-ins' recipe (setup builds them; doctor and check hash it)
      ...filesUnder(path.join(REPO, "grader/engine/stand-in"), "grader/engine/stand-in"),
    ];
    expect(needed.filter((file) => !files.includes(file))).toEqual([]);
    expect(files.filter((file) => /^(test|submissions|node_modules|reports|bench|examples)\/|\.test\.[jt]s$/.test(file))).toEqual([]);
  });

  it("checks a correct submission in a student's folder outside the repository with the lab it ships: 10/10", async () => {
    const student = studentFolder(path.join(REPO, "submissions/alice-venv-app"), "lab42");
    const reports = path.join(path.dirname(student), "reports");
    expect(path.relative(REPO, student).startsWith("..")).toBe(true);

    const doctor = exited(0, "lab-grader doctor", await labGrader(["doctor"], student));
    expect(doctor.stdout).toMatch(/\nready\n$/);

    const result = exited(0, "lab-grader check", await labGrader(["check", "--out", reports], student));
    expect(result.stdout).toContain("score: 10/10\n");
    expect(
      result.stdout
        .split("\n")
        .filter((l) => l.startsWith("✓ "))
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual(CHECK_IDS);
    // Its own lab spec (not one found in this repository), and the folder's name as the id
    const grades = JSON.parse(readFileSync(path.join(reports, "results.json"), "utf8"));
    expect(grades.lab.file).toBe(path.join(installed, "specs", "lab42.yaml"));
    expect(grades.submissions[0].id).toBe("lab42");
  }, 300_000);

  it("fails a broken submission with its verdicts, graded by a lab spec given by path outside the package", async () => {
    // An instructor's own copy of the lab, as a course folder hands it out
    const course = mkdtempSync(path.join(work, "course-"));
    cpSync(path.join(installed, "specs"), path.join(course, "specs"), { recursive: true });
    cpSync(path.join(installed, "reference"), path.join(course, "reference"), { recursive: true });
    const student = studentFolder(path.join(REPO, "submissions/grace-wrong-greeting"), "lab42");

    const result = exited(1, "lab-grader check", await labGrader(["check", "--lab", path.join(course, "specs", "lab42.yaml")], student));
    expect(result.stdout).toMatch(/^✗ greeting-served +0\/2 +GET \/ on port 5000 answered 200 but with "Hello, World!"/m);
    expect(result.stdout).toMatch(/^ {4}hint: /m);
    expect(result.stdout).toMatch(/^✓ image-builds +2\/2/m);
    expect(result.stdout).toContain("score: 8/10\n");
  }, 300_000);

  it("says what to run when the engine is missing or the lab spec cannot be found", async () => {
    const student = studentFolder(path.join(REPO, "submissions/alice-venv-app"), "lab42");
    const closed = { ...process.env, DOCKER_HOST: `unix://${path.join(work, "closed.sock")}` };
    const noEngine = exited(3, "lab-grader check without an engine", await labGrader(["check"], student, closed));
    expect(noEngine.stderr).toMatch(/no Docker engine answers at .*run `lab-grader setup`/);

    // A lab whose base image is not on the engine: check offers setup, and installs nothing itself
    const course = mkdtempSync(path.join(work, "course-"));
    cpSync(path.join(installed, "specs"), course, { recursive: true });
    const lab = path.join(course, "lab42.yaml");
    writeFileSync(lab, readFileSync(lab, "utf8").replace("  - python:3.11-slim\n", "  - python:3.11-slim\n  - lab-grader-test/never-built:1\n"));
    const noImage = exited(3, "lab-grader check without a base image", await labGrader(["check", "--lab", lab], student));
    expect(noImage.stderr).toMatch(/base images not ready: lab-grader-test\/never-built:1 .*Run `lab-grader setup`/);

    const noLab = exited(2, "lab-grader check without a lab spec", await labGrader(["check", "--lab", "lab42.yaml"], student));
    expect(noLab.stderr).toMatch(/lab spec lab42\.yaml: cannot read it .*pass --lab/);
  }, 60_000);
});
