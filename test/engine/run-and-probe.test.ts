import { runAndProbe } from "../../grader/engine/run-container";
import { useTestImage } from "../helpers/test-image";

/** Serves the greeting, then exits with code 3 about two seconds after start: up, answering, and then gone. */
const SERVE_THEN_EXIT = `
import http.server, os, threading, time
class Greeting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Hello, Docker Multi-Stage Build!")
server = http.server.HTTPServer(("0.0.0.0", 5000), Greeting)
threading.Thread(target=server.serve_forever, daemon=True).start()
time.sleep(2)
os._exit(3)
`;

describe("runAndProbe", () => {
  const tag = `lab-grader-test/serve-then-exit:${process.pid}`;
  const engine = useTestImage(tag, {
    "serve.py": SERVE_THEN_EXIT,
    Dockerfile: 'FROM python:3.9-slim\nCOPY serve.py /serve.py\nCMD ["python", "/serve.py"]\n',
  });

  it("reports a container that answered and then stopped inside the start window as not running, as soon as it stops", async () => {
    const startSeconds = 60;
    const started = Date.now();
    const run = await runAndProbe(engine(), {
      image: tag,
      port: 5000,
      probe: { path: "/", method: "GET" },
      labels: { "org.lab-grader.test": "run-and-probe" },
      startSeconds,
      probeSeconds: 20,
      limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, pids: 64 },
      network: { mode: "published", loopback: true },
    });
    expect(run.started).toBe(true);
    expect(run.probe?.kind).toBe("response");
    expect(run.running).toBe(false);
    expect(run.exitCode).toBe(3);
    // The engine's wait ended the window when the container stopped; sleeping it out would take 60 s.
    expect(Date.now() - started).toBeLessThan((startSeconds / 2) * 1000);
    const left = await engine().docker.listContainers({ all: true, filters: { label: ["org.lab-grader.test=run-and-probe"] } });
    expect(left).toEqual([]);
  }, 90_000);
});
