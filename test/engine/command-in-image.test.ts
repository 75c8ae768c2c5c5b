import { COMMAND_OUTPUT_CAP_BYTES, runInImage, type CommandRequest } from "../../grader/engine/command-in-image";
import { useTestImage } from "../helpers/test-image";

const LABELS = { "org.lab-grader.test": "command-in-image" };

/** runInImage on the host's engine, in an image whose USER is an unprivileged uid with no entry in /etc/passwd. */
describe("runInImage", () => {
  const tag = `lab-grader-test/command-in-image:${process.pid}`;
  const engine = useTestImage(tag, { Dockerfile: 'FROM python:3.9-slim\nUSER 4321:4321\nCMD ["python", "-c", "print(\'the CMD ran\')"]\n' });
  const run = (command: string[], more: Partial<CommandRequest> = {}) =>
    runInImage(engine(), {
      image: tag,
      command,
      timeoutSeconds: 20,
      labels: LABELS,
      limits: { memoryBytes: 128 * 1024 ** 2, cpus: 1, pids: 64 },
      ...more,
    });
  const python = (code: string, more: Partial<CommandRequest> = {}) => run(["python", "-c", code], more);

  it("runs the command in place of the image's CMD, as its USER, with its exit code and each stream's output", async () => {
    const result = await python("import os, sys; print(os.getuid(), os.getgid()); print('to stderr', file=sys.stderr); sys.exit(3)");
    expect(result).toEqual({ started: true, exitCode: 3, timedOut: false, oomKilled: false, stdout: "4321 4321\n", stderr: "to stderr\n" });
  }, 60_000);

  it("gives it no network but loopback", async () => {
    const code =
      "import os, socket\nprint(sorted(os.listdir('/sys/class/net')))\ntry:\n  socket.create_connection(('10.255.255.1', 80), timeout=3)\nexcept OSError as e:\n  print(e.strerror)";
    const result = await python(code);
    expect(result.stdout).toBe("['lo']\nNetwork is unreachable\n");
  }, 60_000);

  it("says why an executable the image lacks could not be started, and leaves no container", async () => {
    const result = await run(["/no/such/program", "--version"]);
    expect(result).toMatchObject({ started: false, timedOut: false, stdout: "", stderr: "" });
    expect(result.startError).toMatch(/\/no\/such\/program.*(no such file or directory|not found)/i);
  }, 60_000);

  it("stops a command still running at its timeout", async () => {
    const started = Date.now();
    const result = await python("import time; print('sleeping', flush=True); time.sleep(120)", { timeoutSeconds: 2 });
    expect(result).toMatchObject({ started: true, timedOut: true, exitCode: undefined, stdout: "sleeping\n" });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it("keeps the head and tail of a flood of output within the cap, and the end of one past the engine's log cap", async () => {
    const flood = await python("import sys; sys.stdout.write('start ' + 'x' * 1_000_000 + ' end')");
    expect(flood.exitCode).toBe(0);
    expect(flood.stdout.startsWith("start xxx")).toBe(true);
    expect(flood.stdout.endsWith("xxx end")).toBe(true);
    expect(flood.stdout.length).toBeLessThan(COMMAND_OUTPUT_CAP_BYTES + 100);
    // The engine keeps 2 MiB of a container's log (json-file, 2 × 1 MiB): of more, the end.
    const deluge = await python("import sys; sys.stdout.write('start ' + 'x' * 5_000_000 + ' end')");
    expect(deluge.stdout.endsWith("xxx end")).toBe(true);
    expect(deluge.stdout.length).toBeLessThan(COMMAND_OUTPUT_CAP_BYTES + 100);
  }, 60_000);

  it("kills a command that writes past its disk budget", async () => {
    // At most 1 GiB, then it waits: a grader that failed to stop it could not fill this machine's disk.
    const code = "import time\nf = open('/tmp/fill', 'wb')\nfor _ in range(1024):\n  f.write(b'0' * 1048576); f.flush()\ntime.sleep(60)";
    const result = await python(code, { diskBudgetBytes: 64 * 1024 ** 2, timeoutSeconds: 60 });
    expect(result).toMatchObject({ started: true, timedOut: false, diskBudgetExceeded: { budgetBytes: 64 * 1024 ** 2 } });
    expect(result.diskBudgetExceeded!.writtenBytes).toBeGreaterThan(64 * 1024 ** 2);
  }, 90_000);

  it("removes every container it made", async () => {
    expect(await engine().docker.listContainers({ all: true, filters: { label: ["org.lab-grader.test=command-in-image"] } })).toEqual([]);
  });
});
