import path from "node:path/posix";
import type { EntrypointFacts } from "../grading/submission-facts";
import type { ImageFiles } from "./image-files";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|dash|ash)$/;

export interface ImageConfig {
  Entrypoint?: string | string[] | null;
  Cmd?: string | string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
}

/** The executable an image's ENTRYPOINT (else CMD) names: through `sh -c "…"` to the command's first word. */
export function entrypointCommand(config: ImageConfig): string | undefined {
  const words = (value: string | string[] | null | undefined): string[] => (typeof value === "string" ? ["/bin/sh", "-c", value] : (value ?? []));
  const argv = words(config.Entrypoint).length ? words(config.Entrypoint) : words(config.Cmd);
  if (!argv.length) return undefined;
  if (SHELLS.test(argv[0]) && argv[1] === "-c" && argv[2] !== undefined) {
    const words = argv[2].trim().split(/\s+/);
    return (words[0] === "exec" ? words[1] : words[0]) || undefined;
  }
  return argv[0];
}

/** Resolves the executable as the runtime would: a path with a slash against WORKDIR, a bare name on the image's PATH. */
export async function resolveEntrypoint(config: ImageConfig, files: ImageFiles): Promise<EntrypointFacts> {
  const command = entrypointCommand(config);
  if (!command) return { problem: "the image sets no ENTRYPOINT or CMD" };
  if (command.includes("/")) return { path: path.resolve(config.WorkingDir || "/", command) };
  const searchPath = config.Env?.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  for (const dir of searchPath.split(":").filter((d) => d.startsWith("/"))) {
    const candidate = path.join(dir, command);
    if (await files.exists(candidate)) return { path: candidate };
  }
  return { problem: `its command ${JSON.stringify(command)} is not on the image's PATH (${searchPath})` };
}
