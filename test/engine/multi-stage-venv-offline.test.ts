import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-fs";
import { GenericContainer, Wait } from "testcontainers";
import { request } from "undici";
import { connectEngine } from "../../grader/engine/client";
import { buildImage } from "../../grader/engine/build";
import { loadLabSpec } from "../../grader/lab/lab-spec";

const spec = loadLabSpec("specs/lab42.yaml");
const port = spec.app!.port;
const greeting = spec.checks.find((c) => c.kind === "http-probe")!.body as string;

const APP = `from flask import Flask
app = Flask(__name__)

@app.route('/')
def hello_world():
    return '${greeting}'

if __name__ == '__main__':
    app.run(host='0.0.0.0')
`;

/** The lab's intended answer, built on every base image with no network at all during the build. */
describe.each(spec.baseImages)("multi-stage venv build on %s with the network off", (image) => {
  it("builds and serves the greeting", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-offline-"));
    writeFileSync(path.join(dir, "app.py"), APP);
    writeFileSync(path.join(dir, "requirements.txt"), "flask\n");
    writeFileSync(
      path.join(dir, "Dockerfile"),
      `FROM ${image} AS builder
WORKDIR /app
RUN python -m venv /app/venv
COPY requirements.txt .
RUN /app/venv/bin/pip install --no-cache-dir -r requirements.txt

FROM ${image}
WORKDIR /app
COPY --from=builder /app/venv /app/venv
COPY app.py .
ENV PATH="/app/venv/bin:$PATH"
EXPOSE 5000
CMD ["python", "app.py"]
`,
    );
    const engine = await connectEngine();
    const tag = `lab-grader-test/offline-venv:${image.replace(/[^a-z0-9.]/gi, "-")}-${process.pid}`;
    const build = await buildImage(engine.docker, {
      context: tar.pack(dir) as unknown as Readable,
      tags: [tag],
      networkMode: "none",
      timeoutMs: 120_000,
    });
    expect(build.error).toBeUndefined();
    expect(build.ok).toBe(true);
    const container = await new GenericContainer(tag).withExposedPorts(port).withWaitStrategy(Wait.forHttp("/", port)).start();
    try {
      const response = await request(`http://${container.getHost()}:${container.getMappedPort(port)}/`);
      expect(response.statusCode).toBe(200);
      expect((await response.body.text()).trim()).toBe(greeting);
    } finally {
      await container.stop({ timeout: 0 });
      await engine.docker.getImage(tag).remove({ force: true });
    }
  }, 180_000);
});
