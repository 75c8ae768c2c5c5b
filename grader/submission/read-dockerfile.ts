import { constants } from "node:fs";
import { lstat, open } from "node:fs/promises";
import path from "node:path";

export const DOCKERFILE_MAX_BYTES = 256 * 1024;

export type DockerfileRead =
  { ok: true; text: string } | { ok: false; problem: "missing" | "symlink" | "not-a-file" | "too-large" | "unreadable"; message: string };

/**
 * Reads `Dockerfile` at the top of a submission without ever following a link out of it, and with a size cap.
 * Every failure is a student-facing message, not an exception.
 */
export async function readSubmissionDockerfile(dir: string): Promise<DockerfileRead> {
  const file = path.join(dir, "Dockerfile");
  let stats;
  try {
    stats = await lstat(file);
  } catch {
    return { ok: false, problem: "missing", message: "there is no file named Dockerfile at the top of the submission (the name is case-sensitive)" };
  }
  if (stats.isSymbolicLink()) {
    return {
      ok: false,
      problem: "symlink",
      message: "Dockerfile is a symbolic link; the grader does not follow links. Submit the Dockerfile itself",
    };
  }
  if (!stats.isFile()) return { ok: false, problem: "not-a-file", message: "Dockerfile is not a regular file" };
  if (stats.size > DOCKERFILE_MAX_BYTES) {
    return { ok: false, problem: "too-large", message: `Dockerfile is ${stats.size} bytes; the grader reads at most ${DOCKERFILE_MAX_BYTES}` };
  }
  try {
    // O_NOFOLLOW: the file could be swapped for a link between lstat and open.
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(DOCKERFILE_MAX_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > DOCKERFILE_MAX_BYTES) {
        return { ok: false, problem: "too-large", message: `Dockerfile is larger than ${DOCKERFILE_MAX_BYTES} bytes` };
      }
      return { ok: true, text: buffer.subarray(0, bytesRead).toString("utf8") };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, problem: "unreadable", message: `Dockerfile cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
}
