/**
 * Benchmark: lab-grader against a naive sequential docker loop, on the same engine in one run.
 * usage: npm run bench -- [--class unique|realistic] [--n 6] [--series 10,25,50] [--concurrency N] [--repeat K]
 *                         [--builder classic|buildkit]
 * `unique` (the worst case for sharing): N distinct correct submissions (a unique layer before pip install, so none
 * shares a cached layer with another); half are graded with bench/naive-grade.sh and half with `lab-grader grade`,
 * both sides with the same builder (the naive side's BuildKit is a build request sent with curl).
 * `realistic`: a class as real ones are — every other sample of submissions/ (right and wrong answers) and
 * near-copies of the handout's answer (comments, EXPOSE or not, the same builder steps) up to N; each side grades
 * the whole class from a cold cache (what either side or an earlier run left of BuildKit's cache, and the
 * reference images, removed first), the naive side with `docker buildx build --load` (bench/ensure-buildx.sh).
 * Prints the ratio, per-stage times, the grader's overhead per submission and its peak RSS. Figures go to
 * bench/results/. Not a test: nothing here asserts a timing.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, homedir, tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import Dockerode from "dockerode";
import type { GradesDocument } from "../grader/report/grades";
import { pruneBuildCacheAdded, takeBuildCacheMark, type CacheMark } from "../grader/engine/buildkit-cache";

const ROOT = path.resolve(__dirname, "..");

type Builder = "classic" | "buildkit";

interface SeriesResult {
  kind: ClassKind;
  graded: { id: string; score: number }[];
  naiveOk: { id: string; ok: boolean }[];
  /** Realistic class: a student's `check` of an unchanged near-copy after the grading, twice (the second reuses the first's steps). */
  checkMs?: { first: number; second: number };
  n: number;
  builder: Builder;
  concurrency: number;
  graderFirst: boolean;
  naiveSeconds: number;
  graderSeconds: number;
  ratio: number;
  perSubmission: { naive: number; grader: number };
  naiveStagesMs: Record<string, number>;
  graderStagesMs: Record<string, number>;
  overheadMsPerSubmission: number;
  peakRssMiB: number;
  allCorrect: { naive: boolean; grader: boolean };
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; seconds: number; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, seconds: Number(process.hrtime.bigint() - started) / 1e9, stderr }));
  });
}

/** Every other sample of submissions/, then near-copies of the reference solution up to `n`. */
function makeRealisticClass(dir: string, n: number): string[] {
  const samplesDir = path.join(ROOT, "submissions");
  const samples = readdirSync(samplesDir)
    .filter((name) => statSync(path.join(samplesDir, name)).isDirectory())
    .sort()
    .filter((_, i) => i % 2 === 0);
  const dirs = samples.slice(0, n).map((name) => {
    const target = path.join(dir, name);
    cpSync(path.join(samplesDir, name), target, { recursive: true });
    return target;
  });
  const dockerfile = readFileSync(path.join(ROOT, "reference/solution/Dockerfile"), "utf8");
  for (let i = 0; dirs.length < n; i++) {
    const target = path.join(dir, `copy-${String(i).padStart(3, "0")}`);
    cpSync(path.join(ROOT, "reference/solution"), target, { recursive: true });
    let text = `# Lab 42, student ${i}\n${dockerfile}`;
    if (i % 2) text = text.replace("EXPOSE 5000\n", "");
    if (i % 3 === 1) text = text.replace('CMD ["python", "app.py"]', 'CMD ["/app/venv/bin/python", "app.py"]');
    writeFileSync(path.join(target, "Dockerfile"), text);
    if (i % 4 === 3) writeFileSync(path.join(target, "app.py"), `${readFileSync(path.join(target, "app.py"), "utf8")}# my version\n`);
    dirs.push(target);
  }
  return dirs;
}

function makeSubmissions(dir: string, n: number): string[] {
  const dockerfile = readFileSync(path.join(ROOT, "reference/solution/Dockerfile"), "utf8");
  return Array.from({ length: n }, (_, i) => {
    const target = path.join(dir, `bench-${String(i).padStart(3, "0")}`);
    cpSync(path.join(ROOT, "reference/solution"), target, { recursive: true });
    // A layer no other submission has, before the expensive step: nothing is shared through the build cache.
    const unique = dockerfile.replace("RUN python -m venv /app/venv", `RUN echo ${randomUUID()} > /unique && python -m venv /app/venv`);
    if (unique === dockerfile) throw new Error("the reference Dockerfile changed: update bench/run-bench.ts");
    writeFileSync(path.join(target, "Dockerfile"), unique);
    return target;
  });
}

/**
 * `docker rmi` of a multi-stage image leaves its builder stage behind (untagged, unlabelled), and a BuildKit
 * build its cache records. Left there, each run would add N/2 of them, and the classic builder's cache lookup
 * slows down as images pile up — the next run's figures would drift. Removed outside the timed loop (lab-grader
 * removes its own inside it).
 */
async function removeNaiveLeftovers(sinceUnixSeconds: number, cacheMark: CacheMark): Promise<void> {
  const docker = new Dockerode();
  for (const image of await docker.listImages({ filters: { dangling: ["true"] } })) {
    if (image.Created >= sinceUnixSeconds)
      await docker
        .getImage(image.Id)
        .remove()
        .catch(() => undefined);
  }
  await pruneBuildCacheAdded(docker, cacheMark);
}

async function secondCheckMs(answer: string): Promise<{ first: number; second: number }> {
  const timed = async () => {
    const result = await run(process.execPath, ["bin/lab-grader.js", "check", answer]);
    if (result.code !== 0) throw new Error(`check of ${answer} failed: ${result.stderr}`);
    return Math.round(result.seconds * 1000);
  };
  const first = await timed();
  return { first, second: await timed() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

type ClassKind = "unique" | "realistic";

/** Where the naive loop finds the buildx plugin (see bench/ensure-buildx.sh). */
const BUILDX_CONFIG = path.join(tmpdir(), "lab-grader-bench-buildx");

/**
 * A cold cache for the side about to run (realistic class): every BuildKit record added since the bench started,
 * what the grader kept, and the reference images, removed.
 */
async function coldCache(benchMark: CacheMark): Promise<void> {
  const docker = new Dockerode();
  const clean = await run(process.execPath, ["bin/lab-grader.js", "clean"]);
  if (clean.code !== 0) throw new Error(`lab-grader clean failed: ${clean.stderr}`);
  await pruneBuildCacheAdded(docker, benchMark);
}

async function benchOnce(
  kind: ClassKind,
  n: number,
  concurrency: number,
  graderFirst: boolean,
  builder: Builder,
  benchMark: CacheMark,
): Promise<SeriesResult> {
  const work = mkdtempSync(path.join(tmpdir(), "lab-grader-bench-"));
  let naiveDirs: string[];
  const graderRoot = path.join(work, "grader");
  mkdirSync(graderRoot);
  if (kind === "realistic") {
    naiveDirs = makeRealisticClass(path.join(work, "all"), n);
    for (const dir of naiveDirs) cpSync(dir, path.join(graderRoot, path.basename(dir)), { recursive: true });
  } else {
    const all = makeSubmissions(path.join(work, "all"), n);
    naiveDirs = all.filter((_, i) => i % 2 === 0);
    for (const dir of all.filter((_, i) => i % 2 === 1)) cpSync(dir, path.join(graderRoot, path.basename(dir)), { recursive: true });
  }

  const tsv = path.join(work, "naive.tsv");
  const runNaive = async () => {
    if (kind === "realistic") await coldCache(benchMark);
    const naiveStarted = Math.floor(Date.now() / 1000);
    const cacheMark = await takeBuildCacheMark(new Dockerode());
    const naiveBuilder = builder === "classic" ? "classic" : kind === "realistic" ? "buildx" : "api";
    const env = { ...process.env, NAIVE_BUILDER: naiveBuilder, DOCKER_CONFIG: BUILDX_CONFIG };
    const result = await run("bash", [path.join(ROOT, "bench/naive-grade.sh"), tsv, ...naiveDirs], env);
    if (result.code !== 0) throw new Error(`naive loop failed: ${result.stderr}`);
    await removeNaiveLeftovers(naiveStarted, cacheMark);
    return result;
  };
  const out = path.join(work, "reports");
  const runGrader = async () => {
    if (kind === "realistic") await coldCache(benchMark);
    const result = await run(process.execPath, [
      "bin/lab-grader.js",
      "grade",
      graderRoot,
      "--out",
      out,
      "--concurrency",
      String(concurrency),
      "--builder",
      builder,
    ]);
    // 5: the run is complete, with samples this engine cannot build not graded (the realistic class has two)
    if (result.code !== 0 && result.code !== 5) throw new Error(`lab-grader grade failed (${result.code}): ${result.stderr}`);
    return result;
  };
  // Whichever runs second finds the engine warmer; repeats alternate the order.
  const naiveBefore = graderFirst ? undefined : await runNaive();
  const grader = await runGrader();
  const naive = naiveBefore ?? (await runNaive());
  const rows = readFileSync(tsv, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t"));
  const naiveStagesMs = Object.fromEntries(
    ["build", "start", "probe", "inspect", "total"].map((stage, k) => [stage, Math.round(mean(rows.map((r) => Number(r[k + 1]))))]),
  );

  const grades = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as GradesDocument;
  const timings = grades.submissions.map((s) => s.timingsMs ?? {});
  const graderStagesMs: Record<string, number> = Object.fromEntries(
    ["queued", "build", "start", "probe", "run", "inspect", "total"].map((stage) => [stage, Math.round(mean(timings.map((t) => t[stage] ?? 0)))]),
  );
  // Written once for the class, not per submission.
  graderStagesMs.report = grades.grader.reportMs ?? 0;
  // The grader's own time per submission: everything but waiting for a slot, the build and the run/probe.
  const overhead = mean(timings.map((t) => (t.total ?? 0) - (t.queued ?? 0) - (t.build ?? 0) - (t.run ?? 0)));
  const half = { naive: naiveDirs.length, grader: grades.submissions.length };
  return {
    n,
    builder,
    concurrency,
    graderFirst,
    naiveSeconds: naive.seconds,
    graderSeconds: grader.seconds,
    ratio: grader.seconds / half.grader / (naive.seconds / half.naive),
    kind,
    graded: grades.submissions.map((s) => ({ id: s.id, score: s.score })),
    naiveOk: rows.map((r) => ({ id: r[0], ok: r[7] === "1" })),
    perSubmission: { naive: naive.seconds / half.naive, grader: grader.seconds / half.grader },
    naiveStagesMs,
    graderStagesMs,
    overheadMsPerSubmission: Math.round(overhead),
    peakRssMiB: Math.round(grades.grader.peakRssBytes / 1024 ** 2),
    allCorrect: { naive: rows.every((r) => r[7] === "1"), grader: grades.submissions.every((s) => s.score === s.maxScore) },
    checkMs: kind === "realistic" ? await secondCheckMs(naiveDirs[naiveDirs.length - 1]) : undefined,
  };
}

async function main(): Promise<void> {
  const options = new Command("bench")
    .option("--n <n>", "submissions per run (half naive, half lab-grader)", "6")
    .option("--series <list>", "several N, e.g. 10,25,50 (overrides --n)")
    .option("--concurrency <n>", "lab-grader --concurrency", String(cpus().length))
    .option("--repeat <k>", "runs per N (the order of the two sides alternates); the median ratio is printed", "1")
    .option("--builder <list>", "classic, buildkit or both (classic,buildkit): each side builds with it", "classic")
    .option(
      "--class <kind>",
      "unique (every submission unique: nothing shared) or realistic (samples and near-copies, each side from a cold cache)",
      "unique",
    )
    .parse(process.argv)
    .opts<{ n: string; series?: string; concurrency: string; repeat: string; builder: string; class: string }>();
  const kind = options.class as ClassKind;
  if (kind !== "unique" && kind !== "realistic") throw new Error(`--class ${options.class}: expected unique or realistic`);
  const builders = options.builder.split(",") as Builder[];
  if (!builders.every((b) => b === "classic" || b === "buildkit"))
    throw new Error(`--builder ${options.builder}: expected classic, buildkit or both`);
  const series = (options.series ?? options.n).split(",").map(Number);
  const setup = await run(process.execPath, ["bin/lab-grader.js", "setup"]);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  if (kind === "realistic") {
    const rootfs = path.join(process.env.LAB_GRADER_HOME ?? path.join(homedir(), ".cache", "lab-grader"), "engines", "sid-rootfs");
    if (!existsSync(rootfs)) {
      const made = await run("bash", [path.join(ROOT, "test/engines/make-rootfs.sh"), rootfs]);
      if (made.code !== 0) throw new Error(`make-rootfs.sh failed: ${made.stderr}`);
    }
    const buildx = await run("bash", [path.join(ROOT, "bench/ensure-buildx.sh"), rootfs, BUILDX_CONFIG]);
    if (buildx.code !== 0) throw new Error(`ensure-buildx.sh failed: ${buildx.stderr}`);
  }
  const benchMark = await takeBuildCacheMark(new Dockerode());
  const results: SeriesResult[] = [];
  for (const builder of builders) {
    for (const n of series) {
      for (let k = 0; k < Number(options.repeat); k++) {
        process.stderr.write(`${kind} class, ${builder}, N = ${n}, run ${k + 1}…\n`);
        const result = await benchOnce(kind, n, Number(options.concurrency), k % 2 === 1, builder, benchMark);
        results.push(result);
        console.log(JSON.stringify(result));
      }
    }
  }
  console.log("\nbuilder     N  first   naive s/sub  grader s/sub  ratio  overhead ms/sub  peak RSS MiB  all correct");
  for (const r of results) {
    console.log(
      `${r.builder.padEnd(8)}  ${String(r.n).padStart(4)}  ${(r.graderFirst ? "grader" : "naive").padEnd(6)}  ${r.perSubmission.naive.toFixed(2).padStart(11)}  ${r.perSubmission.grader.toFixed(2).padStart(12)}  ${r.ratio.toFixed(2).padStart(5)}  ${String(r.overheadMsPerSubmission).padStart(15)}  ${String(r.peakRssMiB).padStart(12)}  ${r.allCorrect.naive && r.allCorrect.grader}`,
    );
  }
  for (const r of results.filter((x) => x.checkMs)) {
    const agree = r.graded.filter((g) => (g.score === 10) === (r.naiveOk.find((o) => o.id === g.id)?.ok ?? false)).length;
    console.log(
      `realistic, N = ${r.n}: a student's check of an unchanged answer ${r.checkMs!.first} ms, again ${r.checkMs!.second} ms; ` +
        `full marks where the naive loop got the greeting: ${agree} of ${r.graded.length}`,
    );
  }
  for (const builder of builders) {
    for (const n of series) {
      const ratios = results.filter((r) => r.n === n && r.builder === builder).map((r) => r.ratio);
      if (ratios.length > 1)
        console.log(
          `${builder}, N = ${n}: median ratio ${median(ratios).toFixed(2)} over ${ratios.length} runs (${ratios.map((x) => x.toFixed(2)).join(", ")})`,
        );
    }
  }
  const dir = path.join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  const engine = await new Dockerode().version();
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, engine: `Docker Engine ${engine.Version}`, results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(ROOT, file)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
