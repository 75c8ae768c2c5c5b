import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-fs";
import { GenericContainer, Wait } from "testcontainers";
import { request } from "undici";
import { ensureBaseImages, isReady } from "../../grader/engine/base-images";
import { buildImage, engineErrorText } from "../../grader/engine/build";
import { connectEngine, type Engine } from "../../grader/engine/client";
import { inspectImage } from "../../grader/engine/images";
import { LABELS, ownerLabel } from "../../grader/engine/labels";
import { LABEL, standInPlanFor } from "../../grader/engine/stand-in/stand-in-recipe";

/**
 * golang:1.24 must behave like the official image (docker-library/golang, 1.24/trixie) on what a Go lab relies on:
 * a standard-library web service built with no network in a golang stage and shipped FROM scratch. cgo is on by
 * default there (gcc is installed), so a binary built without CGO_ENABLED=0 links libc dynamically and cannot
 * start FROM scratch; the stand-in must give students that same failure. The image is made through setup's own
 * code path when the engine does not have it yet (a build of a few minutes), and a failure there fails the tests.
 */
const IMAGE = "golang:1.24";
const PORT = 8080;
const GREETING = "Hello from Go, FROM scratch!";
/** golang:1.24.12-trixie's uncompressed size, from a repo-info report (docs/stand-ins.md, Sizes). */
const OFFICIAL_MB = 894.39;

const MAIN_GO = `package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "${GREETING}") })
	http.ListenAndServe(":${PORT}", nil)
}
`;

/** One builder stage for every image below, so the engine's cache compiles the program once. */
const BUILD_STAGE = `FROM ${IMAGE} AS build
WORKDIR /src
COPY main.go ./
RUN go mod init example.com/hello \\
 && CGO_ENABLED=0 go build -o /out/server . \\
 && go build -o /out/server-cgo .
`;

/** A student's final stage: one binary of the builder stage, alone FROM scratch. */
const shippedFromScratch = (binary: string): string => `${BUILD_STAGE}
FROM scratch
COPY --from=build /out/${binary} /server
EXPOSE ${PORT}
ENTRYPOINT ["/server"]
`;

const tag = (kind: string): string => `lab-grader-test/golang-stand-in:${kind}-${process.pid}`;
const TAGS = { build: tag("build"), static: tag("static"), dynamic: tag("dynamic") };

let engine: Engine;
const contextDir = mkdtempSync(path.join(tmpdir(), "lab-grader-golang-"));

/** Builds `dockerfile` with the network off, as a student's build is. */
async function buildOffline(dockerfile: string, name: string): Promise<void> {
  writeFileSync(path.join(contextDir, "Dockerfile"), dockerfile);
  const result = await buildImage(engine.docker, {
    context: tar.pack(contextDir) as unknown as Readable,
    tags: [name],
    networkMode: "none",
    timeoutMs: 600_000,
  });
  if (!result.ok) throw new Error(`building ${name} failed: ${result.error}\n${result.log.slice(-3000)}`);
}

/** Runs `script` with sh in a new container of `image`, network off. */
async function sh(image: string, script: string): Promise<{ exitCode: number; output: string }> {
  const container = await new GenericContainer(image).withNetworkMode("none").withEntrypoint(["sleep", "infinity"]).start();
  try {
    return await container.exec(["sh", "-c", script]);
  } finally {
    await container.stop({ timeout: 0 });
  }
}

const lines = (output: string): string[] => output.trim().split("\n");

beforeAll(async () => {
  engine = await connectEngine();
  const [state] = await ensureBaseImages(engine, [IMAGE], { pull: true, pullTimeoutMs: 60_000 }, () => undefined);
  if (!isReady(state)) throw new Error(`${IMAGE} is not ready on the engine: ${state.detail}`);
  writeFileSync(path.join(contextDir, "main.go"), MAIN_GO);
  await buildOffline(BUILD_STAGE, TAGS.build);
  await buildOffline(shippedFromScratch("server"), TAGS.static);
  await buildOffline(shippedFromScratch("server-cgo"), TAGS.dynamic);
}, 1_200_000);

afterAll(async () => {
  rmSync(contextDir, { recursive: true, force: true });
  for (const name of Object.values(TAGS))
    await engine?.docker
      .getImage(name)
      .remove({ force: true })
      .catch(() => undefined);
});

describe(`${IMAGE}: a net/http service shipped FROM scratch`, () => {
  it("with CGO_ENABLED=0 go build: a static binary that starts FROM scratch and serves", async () => {
    const facts = await sh(TAGS.build, "ldd /out/server; go version -m /out/server | grep -o 'CGO_ENABLED=.'");
    expect(lines(facts.output).map((line) => line.trim())).toEqual(["not a dynamic executable", "CGO_ENABLED=0"]);
    const container = await new GenericContainer(TAGS.static).withExposedPorts(PORT).withWaitStrategy(Wait.forHttp("/", PORT)).start();
    try {
      const response = await request(`http://${container.getHost()}:${container.getMappedPort(PORT)}/`);
      expect(response.statusCode).toBe(200);
      expect((await response.body.text()).trim()).toBe(GREETING);
    } finally {
      await container.stop({ timeout: 0 });
    }
  }, 120_000);

  it("without CGO_ENABLED=0: cgo is on, the binary needs libc and the ELF interpreter", async () => {
    const facts = await sh(TAGS.build, "go env CGO_ENABLED; go version -m /out/server-cgo | grep -o 'CGO_ENABLED=.'; ldd /out/server-cgo");
    expect(facts.exitCode).toBe(0);
    const [cgoDefault, cgoBuilt, ...libraries] = lines(facts.output);
    expect([cgoDefault, cgoBuilt]).toEqual(["1", "CGO_ENABLED=1"]);
    expect(libraries.join("\n")).toMatch(/libc\.so\.6 => /);
    expect(libraries.join("\n")).toMatch(/\/lib64\/ld-linux-x86-64\.so\.2/);
  }, 60_000);

  it("without CGO_ENABLED=0: FROM scratch the container fails to start (no such file or directory)", async () => {
    const container = await engine.docker.createContainer({ Image: TAGS.dynamic, Labels: { [LABELS.owner]: ownerLabel() } });
    try {
      // Depending on the runtime, the engine refuses the start or the container exits at once; either way runc's
      // exec of /server fails for want of /lib64/ld-linux-x86-64.so.2, as on the official image.
      const startError = await container.start().then(
        () => undefined,
        (error: unknown) => engineErrorText(error),
      );
      let failure = startError ?? "";
      if (startError === undefined) {
        const { StatusCode } = (await container.wait()) as { StatusCode: number };
        const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
        expect(StatusCode).not.toBe(0);
        failure = logs.toString("utf8");
      }
      expect(failure).toMatch(/exec.*\/server.*no such file or directory/);
    } finally {
      await container.remove({ force: true });
    }
  }, 60_000);
});

describe(`${IMAGE}: environment and paths of the official image`, () => {
  it("sets GOLANG_VERSION, GOTOOLCHAIN=local, GOPATH=/go and the official PATH, in /go, with bash as command", async () => {
    const config = (await inspectImage(engine.docker, IMAGE))!.Config!;
    expect(config.Env).toEqual([
      "PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      expect.stringMatching(/^GOLANG_VERSION=1\.24\.\d+$/),
      "GOTOOLCHAIN=local",
      "GOPATH=/go",
    ]);
    expect(config.WorkingDir).toBe("/go");
    expect(config.Cmd).toEqual(["bash"]);
  });

  it("runs Go 1.24 from /usr/local/go, the release GOLANG_VERSION names, with the default module proxy", async () => {
    const result = await sh(
      IMAGE,
      'go version; command -v go; go env GOROOT GOPATH GOTOOLCHAIN GOPROXY GOFLAGS; pwd; echo "$GOLANG_VERSION"; ls -d /go/bin /go/src',
    );
    expect(result.exitCode).toBe(0);
    const [version, goPath, goroot, gopath, toolchain, proxy, flags, workdir, golangVersion, ...goDirs] = lines(result.output);
    expect(version).toMatch(/^go version go1\.24(\.\d+)? linux\/\w+$/);
    expect(version).toContain(`go${golangVersion} `);
    expect([goPath, goroot, gopath, toolchain, proxy, flags, workdir, ...goDirs]).toEqual([
      "/usr/local/go/bin/go",
      "/usr/local/go",
      "/go",
      "local",
      "https://proxy.golang.org,direct",
      "",
      "/go",
      "/go/bin",
      "/go/src",
    ]);
  }, 60_000);

  it("has the C toolchain and the tools of buildpack-deps:trixie-scm that builds use", async () => {
    const tools = ["gcc", "g++", "make", "pkg-config", "git", "curl", "wget", "ssh", "ps"];
    const result = await sh(
      IMAGE,
      `for t in ${tools.join(" ")}; do command -v $t >/dev/null && echo "$t yes" || echo "$t no"; done; ls /usr/include/stdio.h`,
    );
    expect(lines(result.output)).toEqual([...tools.map((t) => `${t} yes`), "/usr/include/stdio.h"]);
  }, 60_000);

  it("is within 1.5 × the official image's size", async () => {
    const size = (await inspectImage(engine.docker, IMAGE))!.Size / 1e6;
    expect(size).toBeLessThanOrEqual(1.5 * OFFICIAL_MB);
  });

  it("is marked as a stand-in and says what it was built from, when it is one", async () => {
    const labels = (await inspectImage(engine.docker, IMAGE))?.Config?.Labels ?? {};
    if (labels[LABEL.standIn] === undefined) {
      // The official image pulled from a registry: nothing of ours to check.
      expect(labels[LABEL.recipe]).toBeUndefined();
      return;
    }
    expect(labels[LABEL.standIn]).toBe("true");
    expect(labels[LABEL.golang]).toBe("1.24");
    expect(labels[LABEL.builtFrom]).toBe(standInPlanFor(IMAGE)!.builtFrom);
  });
});
