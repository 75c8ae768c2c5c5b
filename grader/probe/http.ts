import { errors, request } from "undici";

export const PROBE_BODY_CAP_BYTES = 64 * 1024;

/** As the lab spec's schema lists them for http-probe. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** What the probe sends: GET with no body unless a lab asks for more. */
export interface HttpRequest {
  method: HttpMethod;
  /** Sent as is, with `contentType` (default text/plain; charset=utf-8). */
  body?: string;
  contentType?: string;
}

export const GET: HttpRequest = { method: "GET" };

export type ProbeResult =
  | { kind: "response"; status: number; body: string; bodyTruncated: boolean; elapsedMs: number }
  | { kind: "refused" | "closed" | "timeout" | "exited" | "error"; detail: string; elapsedMs: number };

/** One request with deadlines on headers and body; the body is read up to a cap and the rest discarded. */
export async function httpOnce(url: string, sent: HttpRequest, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const response = await request(url, {
      method: sent.method,
      ...(sent.body !== undefined ? { body: sent.body, headers: { "content-type": sent.contentType ?? "text/plain; charset=utf-8" } } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs + 1000),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      if (size + buffer.length > PROBE_BODY_CAP_BYTES) {
        chunks.push(buffer.subarray(0, PROBE_BODY_CAP_BYTES - size));
        truncated = true;
        response.body.destroy();
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
    return {
      kind: "response",
      status: response.statusCode,
      body: Buffer.concat(chunks).toString("utf8"),
      bodyTruncated: truncated,
      elapsedMs: Date.now() - started,
    };
  } catch (error) {
    return { ...classifyError(error), elapsedMs: Date.now() - started };
  }
}

function classifyError(error: unknown): { kind: "refused" | "closed" | "timeout" | "error"; detail: string } {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === "ECONNREFUSED") return { kind: "refused", detail: "connection refused" };
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    (e as Error).name === "TimeoutError"
  ) {
    return { kind: "timeout", detail: "no response in time" };
  }
  if (error instanceof errors.SocketError || code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE") {
    return { kind: "closed", detail: "the connection was closed without a response" };
  }
  return { kind: "error", detail: e.message ?? String(error) };
}

/**
 * Sends `sent` to `url` until it answers or `deadline` passes, stopping early when `isAlive` says the app is gone.
 * The first HTTP response, whatever its status, is the answer; connection failures are retried (a request that
 * timed out is sent again too, so a lab's POST should be one the app may get twice).
 */
export async function probeUntil(
  url: string,
  deadline: number,
  isAlive: () => Promise<boolean>,
  sent: HttpRequest = GET,
  attemptTimeoutMs = 5000,
): Promise<ProbeResult> {
  const started = Date.now();
  let last: ProbeResult = { kind: "timeout", detail: "no attempt was made", elapsedMs: 0 };
  while (Date.now() < deadline) {
    const attempt = await httpOnce(url, sent, Math.max(500, Math.min(attemptTimeoutMs, deadline - Date.now())));
    if (attempt.kind === "response") {
      // An exited container's address (or published port) goes back to the engine and can be handed to
      // another submission's container: an answer counts only if the app we probe is still running after it.
      if (!(await isAlive())) return { kind: "exited", detail: "the container stopped before it answered", elapsedMs: Date.now() - started };
      return { ...attempt, elapsedMs: Date.now() - started };
    }
    last = { ...attempt, elapsedMs: Date.now() - started };
    if (!(await isAlive())) return { kind: "exited", detail: "the container stopped before it answered", elapsedMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs(Date.now() - started)));
  }
  return last;
}

/** Often while an app normally comes up (a Flask app answers within about a second), gently after that. */
function retryDelayMs(elapsedMs: number): number {
  return elapsedMs < 3000 ? 100 : 500;
}
