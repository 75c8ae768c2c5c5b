import { BUILDER_REQUESTS, type BuilderRequest } from "../grading/choose-builder";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ExitCode, UserFacingError } from "../common/exit-codes";
import { packageVersion } from "../common/package-path";
import { defaultLabSpecFile } from "../lab/lab-spec";
import { cleanCommand } from "./clean-command";
import { doctorCommand } from "./doctor-command";
import { checkCommand } from "./check-command";
import { gradeCommand } from "./grade-command";
import { withGradebookOptions } from "./gradebook-flags";
import { mergeCommand } from "./merge-command";
import { parseShard } from "../grading/shard";
import { setupCommand } from "./setup-command";

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number greater than 0");
  return n;
}

export function parseBuilder(value: string): BuilderRequest {
  if (!(BUILDER_REQUESTS as string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${BUILDER_REQUESTS.join(", ")}`);
  return value as BuilderRequest;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a whole number greater than 0");
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number, 0 or more");
  return n;
}

const CACHE_LIMIT_HELP = "keep at most this many MiB of BuildKit's cache for the next run; 0 keeps none (default: the lab spec's buildCache.keepMb)";

const BUILDER_HELP =
  "auto (BuildKit where its steps can be capped; elsewhere the classic builder, and BuildKit for what needs it), classic or buildkit";

const REQUIRE_LIMITS_HELP =
  "stop (exit 3) before grading where BuildKit's RUN steps cannot be held to the lab's build limits (a remote engine, Docker Desktop)";

const PROBE_TIMEOUT_HELP = "how long the app may take to answer (default: the lab spec's timeouts.probeSeconds)";

/** The flag's name before it was named after the lab spec's probeSeconds: still taken, hidden, with a word on stderr. */
function runTimeoutAlias(): Option {
  return new Option("--run-timeout <seconds>").hideHelp().argParser(positiveNumber);
}

function withProbeTimeout<T extends { probeTimeout?: number; runTimeout?: number }>(options: T): T {
  if (options.runTimeout === undefined) return options;
  process.stderr.write("warning: --run-timeout is now --probe-timeout (as timeouts.probeSeconds in the lab spec)\n");
  return { ...options, probeTimeout: options.probeTimeout ?? options.runTimeout };
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command("lab-grader")
    .description("Grades Dockerfile lab submissions with real Docker builds.")
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command("doctor")
    .description("report whether the engine and the lab's base images are ready (exit 0 ready, 3 not)")
    .option("--lab <file>", "lab spec (default: specs/lab42.yaml here, else the one shipped with lab-grader)", defaultLabSpecFile())
    .action(async (options) => {
      exitCode = await doctorCommand(options);
    });

  program
    .command("setup")
    .description("make the engine and the lab's base images ready (installs/starts dockerd as root on Debian; builds offline stand-ins)")
    .option("--lab <file>", "lab spec (default: specs/lab42.yaml here, else the one shipped with lab-grader)", defaultLabSpecFile())
    .option("--no-pull", "do not try to pull missing base images; build stand-ins straight away")
    .option("--pull-timeout <seconds>", "give up a pull after this long", positiveNumber, 30)
    .action(async (options) => {
      exitCode = await setupCommand(options);
    });

  withGradebookOptions(
    program
      .command("grade")
      .description("grade every submission directory under <submissions-dir>; write results.json and junit.xml")
      .argument("<submissions-dir>", "a directory with one sub-directory per submission (its name is the id)")
      .option("--lab <file>", "lab spec (default: specs/lab42.yaml here, else the one shipped with lab-grader)", defaultLabSpecFile())
      .option("--out <dir>", "where the reports go", "reports")
      .option("--concurrency <n>", "submissions graded at once (default: number of CPUs)", positiveInteger)
      .option("--build-timeout <seconds>", "stop a build after this long (default: the lab spec's)", positiveNumber)
      .option("--probe-timeout <seconds>", PROBE_TIMEOUT_HELP, positiveNumber)
      .addOption(runTimeoutAlias())
      .option("--keep-images", "keep the submissions' images after grading", false)
      .option("--resume", "reuse earlier results (in <out>/cache) of submissions whose files, lab spec and grader version are unchanged", false)
      .option("--only <id>", "grade just this submission; report the others' latest results")
      .option("--shard <i/n>", "grade only the i-th of n deterministic shards of the submissions (for a CI matrix)", parseShard)
      .option("--builder <kind>", BUILDER_HELP, parseBuilder, "auto")
      .option("--require-build-limits", REQUIRE_LIMITS_HELP, false)
      .option("--cache-limit <MB>", CACHE_LIMIT_HELP, nonNegativeInteger),
  ).action(async (dir, options) => {
    exitCode = await gradeCommand(dir, withProbeTimeout(options));
  });

  withGradebookOptions(
    program
      .command("merge")
      .description("combine the outputs of several grade runs (shards) into one results.json, junit.xml, grades.csv, summary.md, report.html")
      .argument("<dirs...>", "output directories of lab-grader grade")
      .requiredOption("--out <dir>", "where the combined outputs go"),
  ).action(async (dirs, options) => {
    exitCode = await mergeCommand(dirs, options);
  });

  program
    .command("check")
    .description("check one submission (default: this folder) with the lab's checks; exit 0 only when all pass")
    .argument("[dir]", "the submission folder", ".")
    .option("--lab <file>", "lab spec (default: specs/lab42.yaml here, else the one shipped with lab-grader)", defaultLabSpecFile())
    .option("--gradescope <file>", "also write a Gradescope results.json there (written even when grading fails)")
    .option(
      "--classroom",
      "also print GitHub Classroom's result for each check (<check id>=<base64>), set them as step outputs and add a step summary; written even when grading fails",
      false,
    )
    .option("--id <id>", "the submission's id in the reports (default: the CI's repository name, else the folder's name)")
    .option("--out <dir>", "also keep results.json, junit.xml, grades.csv, summary.md and report.html there (for CI to publish)")
    .option("--build-timeout <seconds>", "stop the build after this long (default: the lab spec's)", positiveNumber)
    .option("--probe-timeout <seconds>", PROBE_TIMEOUT_HELP, positiveNumber)
    .addOption(runTimeoutAlias())
    .option("--builder <kind>", BUILDER_HELP, parseBuilder, "auto")
    .option("--require-build-limits", REQUIRE_LIMITS_HELP, false)
    .option("--cache-limit <MB>", CACHE_LIMIT_HELP, nonNegativeInteger)
    .action(async (dir, options) => {
      exitCode = await checkCommand(dir, withProbeTimeout(options));
    });

  program
    .command("clean")
    .description("remove what the grader keeps on the engine between runs: its BuildKit cache and reference images (base images stay)")
    .action(async () => {
      exitCode = await cleanCommand();
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof UserFacingError) {
      console.error(`lab-grader: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
  return exitCode;
}
