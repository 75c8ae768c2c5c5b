import type { BuildResult } from "../engine/build";
import type { RunFacts } from "../engine/run-container";
import { dependsOnLoad, lostCachedImage, mayBeTheNeighbours } from "./gather-facts";

const failed = (error: string, extra: Partial<BuildResult> = {}): BuildResult => ({
  ok: false,
  error,
  log: "",
  steps: [],
  timedOut: false,
  durationMs: 1,
  reusedSteps: 0,
  ...extra,
});

describe("lostCachedImage", () => {
  it("recognises the engine's error for an image id that vanished during the build", () => {
    expect(lostCachedImage(failed("No such image: sha256:4f2a9c0d1e7b"))).toBe(true);
    expect(
      lostCachedImage(
        failed(
          "failed to export image: failed to set parent sha256:ecb983ed0eba910d4afdfea278e52cd929564258c8f2026609f94ae60d451260: unknown parent image ID sha256:ecb983ed0eba910d4afdfea278e52cd929564258c8f2026609f94ae60d451260",
        ),
      ),
    ).toBe(true);
    expect(
      lostCachedImage(
        failed(
          "failed to get digest sha256:92df9c31b7090502705ee080d14c0b5a541a706710986b21cd3938b06787c544: open /var/lib/docker/image/overlay2/imagedb/content/sha256/92df9c31b7090502705ee080d14c0b5a541a706710986b21cd3938b06787c544: no such file or directory",
        ),
      ),
    ).toBe(true);
    expect(lostCachedImage(failed('unable to find image "sha256:d21eb17cdf5fc6e12dbabaeebf300eecfed94f662c9f90f7d71e0af4fca179d3"'))).toBe(true);
    expect(
      lostCachedImage(
        failed(
          'failed to get destination image "sha256:d21eb17cdf5fc6e12dbabaeebf300eecfed94f662c9f90f7d71e0af4fca179d3": No such image: sha256:d21eb17cdf5fc6e12dbabaeebf300eecfed94f662c9f90f7d71e0af4fca179d3',
        ),
      ),
    ).toBe(true);
  });

  it("leaves a student's own failures alone", () => {
    expect(lostCachedImage(failed("The command '/bin/sh -c pip install flask' returned a non-zero code: 1"))).toBe(false);
    expect(lostCachedImage(failed("COPY failed: stat app/venv: file does not exist"))).toBe(false);
    expect(lostCachedImage(failed("No such image: sha256:4f2a9c0d1e7b", { timedOut: true }))).toBe(false);
    expect(lostCachedImage({ ...failed(""), ok: true })).toBe(false);
  });
});

describe("dependsOnLoad", () => {
  const run = (probe: RunFacts["probe"], started = true): RunFacts => ({ started, running: true, logs: "", probe });
  it("is true when the container was up and nothing answered in time", () => {
    for (const kind of ["refused", "closed", "timeout", "error"] as const) expect(dependsOnLoad(run({ kind, detail: "", elapsedMs: 1 }))).toBe(true);
  });
  it("is false for an answer, a crash, or a container that never started", () => {
    expect(dependsOnLoad(run({ kind: "response", status: 200, body: "x", bodyTruncated: false, elapsedMs: 1 }))).toBe(false);
    expect(dependsOnLoad(run({ kind: "exited", detail: "", elapsedMs: 1 }))).toBe(false);
    expect(dependsOnLoad(run({ kind: "refused", detail: "", elapsedMs: 1 }, false))).toBe(false);
  });
});

describe("mayBeTheNeighbours", () => {
  const failed = (error: string, timedOut = false) => ({ error, timedOut });

  it("takes a timeout or a step killed by a signal for what neighbours could cause", () => {
    expect(mayBeTheNeighbours(failed("the build did not finish within 60 s and was stopped", true))).toBe(true);
    expect(mayBeTheNeighbours(failed('process "/bin/sh -c go build" did not complete successfully: exit code: 137'))).toBe(true);
    expect(mayBeTheNeighbours(failed("executor failed running [/bin/sh -c pip install -r r.txt]: exit code: 137"))).toBe(true);
    expect(mayBeTheNeighbours(failed("The command '/bin/sh -c make' returned a non-zero code: 143"))).toBe(true);
  });

  it("leaves what the Dockerfile alone decides: its own exit codes, missing files, syntax", () => {
    expect(mayBeTheNeighbours(failed('process "/bin/sh -c false" did not complete successfully: exit code: 1'))).toBe(false);
    expect(mayBeTheNeighbours(failed('process "/bin/sh -c nosuch" did not complete successfully: exit code: 127'))).toBe(false);
    expect(mayBeTheNeighbours(failed('failed to compute cache key: "/app.pyy" not found: not found'))).toBe(false);
    expect(mayBeTheNeighbours(failed("dockerfile parse error line 3: unknown instruction: RUNN"))).toBe(false);
  });
});
