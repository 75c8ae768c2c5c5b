import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Engine } from "../client";
import { ExitCode, UserFacingError } from "../../common/exit-codes";
import { runCommand } from "../../common/run-command";
import { stateDir } from "../../common/state-dir";
import { readJsonLines } from "../json-lines";
import { imageExists } from "../images";
import { ensureDebianPackages } from "../host-packages";
import { debianBaseImage, recipeDir, type DebianBase } from "./recipe-files";

const DEBIAN_MIRROR = process.env.LAB_GRADER_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";

/**
 * Makes `lab-grader/debian:<suite>-<recipe>`: a minimal Debian with the packages a stand-in needs, bootstrapped on
 * the host with debootstrap from Debian's archive, slimmed as the official slim images are (slim-debian.sh) and
 * imported into the engine. Needs root on a Debian/Ubuntu host.
 */
export async function ensureDebianBaseImage(engine: Engine, base: DebianBase, report: (line: string) => void): Promise<string> {
  const image = debianBaseImage(base);
  const suite = base.suite;
  if (await imageExists(engine.docker, image)) return image;
  await ensureDebianPackages(["debootstrap"], report);
  const target = `${stateDir("rootfs")}/${suite}-${process.pid}`;
  report(`  debootstrap ${suite} into ${target} (about a minute)…`);
  try {
    const result = await runCommand("debootstrap", ["--variant=minbase", `--include=${base.packages.join(",")}`, suite, target, DEBIAN_MIRROR]);
    if (result.exitCode !== 0) {
      throw new UserFacingError(
        `debootstrap of Debian ${suite} failed (exit ${result.exitCode}); is ${DEBIAN_MIRROR} reachable? ` +
          `Set LAB_GRADER_DEBIAN_MIRROR to a Debian mirror you can reach.\n${result.output.slice(-2000)}`,
        ExitCode.notReady,
      );
    }
    const slimmed = await runCommand("sh", [`${recipeDir()}/slim-debian.sh`, target]);
    if (slimmed.exitCode !== 0) throw new Error(`slimming ${target} failed (exit ${slimmed.exitCode}): ${slimmed.output.slice(-2000)}`);
    await importDirectory(engine, target, image);
    report(`  imported ${image}`);
    return image;
  } finally {
    await rm(target, { recursive: true, force: true });
  }
}

async function importDirectory(engine: Engine, dir: string, image: string): Promise<void> {
  const tar = spawn("tar", ["--numeric-owner", "-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "pipe"] });
  let tarErrors = "";
  tar.stderr.on("data", (chunk: Buffer) => (tarErrors += chunk.toString().slice(0, 4000)));
  const tarDone = new Promise<number | null>((resolve) => tar.on("close", resolve));
  const [repo, tag] = image.split(":");
  const stream = (await engine.docker.importImage(
    tar.stdout as unknown as NodeJS.ReadableStream,
    {
      repo,
      tag,
      changes: ['CMD ["bash"]'],
    } as object,
  )) as unknown as Readable;
  for await (const message of readJsonLines(stream)) {
    const m = message as { error?: string; errorDetail?: { message?: string } };
    if (m.error || m.errorDetail) throw new Error(`importing ${image} failed: ${m.errorDetail?.message ?? m.error}`);
  }
  const code = await tarDone;
  if (code !== 0) throw new Error(`tar of ${dir} failed (exit ${code}): ${tarErrors}`);
}
