import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { TailBuffer } from "../common/tail-buffer";

/**
 * A stopped container's output, each stream into its own buffer (the same buffer for both keeps them in the order
 * they were written). The engine sends at most the last 2000 lines; the buffers keep head and tail within their
 * caps. Output is feedback only: an engine that fails to send it leaves the buffers as they are.
 */
export async function readContainerLogs(handle: Dockerode.Container, stdout: TailBuffer, stderr: TailBuffer = stdout): Promise<void> {
  try {
    const stream = (await handle.logs({ stdout: true, stderr: true, follow: true, tail: 2000 })) as unknown as Readable;
    await new Promise<void>((resolve) => {
      handle.modem.demuxStream(
        stream,
        { write: (c: Buffer) => stdout.append(c.toString("utf8")) } as never,
        {
          write: (c: Buffer) => stderr.append(c.toString("utf8")),
        } as never,
      );
      stream.on("end", resolve);
      stream.on("error", () => resolve());
      // Safety net should the engine keep the stream open.
      setTimeout(() => {
        stream.destroy();
        resolve();
      }, 5000).unref();
    });
  } catch {
    // Feedback only: the grading goes on without it.
  }
}
