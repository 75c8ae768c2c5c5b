import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { probeUntil } from "./http";

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe("probeUntil", () => {
  it("returns the answer of a running app", async () => {
    const { server, url } = await serve((_, res) => res.end("Hello"));
    try {
      expect(await probeUntil(url, Date.now() + 5000, async () => true)).toMatchObject({ kind: "response", status: 200, body: "Hello" });
    } finally {
      server.close();
    }
  });

  it("does not credit an answer to an app that is no longer running (its address may be someone else's now)", async () => {
    const { server, url } = await serve((_, res) => res.end("Hello from another container"));
    try {
      expect(await probeUntil(url, Date.now() + 5000, async () => false)).toMatchObject({ kind: "exited" });
    } finally {
      server.close();
    }
  });

  it("cuts a huge body at the cap", async () => {
    const { server, url } = await serve((_, res) => {
      res.write("Hello");
      const chunk = "x".repeat(64 * 1024);
      const more = (): void => {
        while (res.write(chunk));
        res.once("drain", more);
      };
      more();
    });
    try {
      const result = await probeUntil(url, Date.now() + 5000, async () => true);
      expect(result).toMatchObject({ kind: "response", bodyTruncated: true });
      if (result.kind === "response") expect(result.body.length).toBe(64 * 1024);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("sends the method and body it is given, with their content type", async () => {
    const { server, url } = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => res.end(`${req.method} ${req.headers["content-type"]} ${body}`));
    });
    try {
      const sent = { method: "PUT" as const, body: '{"name":"x"}', contentType: "application/json" };
      expect(await probeUntil(url, Date.now() + 5000, async () => true, sent)).toMatchObject({ body: 'PUT application/json {"name":"x"}' });
      expect(await probeUntil(url, Date.now() + 5000, async () => true, { method: "POST", body: "hi" })).toMatchObject({
        body: "POST text/plain; charset=utf-8 hi",
      });
      expect(await probeUntil(url, Date.now() + 5000, async () => true, { method: "HEAD" })).toMatchObject({
        kind: "response",
        status: 200,
        body: "",
      });
    } finally {
      server.close();
    }
  });

  it("says refused when nothing listens, until the deadline", async () => {
    const { server, url } = await serve(() => undefined);
    server.close();
    expect(await probeUntil(url, Date.now() + 1200, async () => true)).toMatchObject({ kind: "refused" });
  });
});
