import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tarStream from "tar-stream";
import { prepareBuildContext } from "./context";
import { discoverSubmissions } from "./discover";
import { DOCKERFILE_MAX_BYTES, readSubmissionDockerfile } from "./read-dockerfile";

const temp = () => mkdtempSync(path.join(tmpdir(), "lab-grader-sub-"));

async function tarEntries(dir: string): Promise<{ name: string; type: string; linkname?: string }[]> {
  const context = await prepareBuildContext(dir);
  if (!context.ok) throw new Error(context.message);
  const extract = tarStream.extract();
  const entries: { name: string; type: string; linkname?: string }[] = [];
  extract.on("entry", (header, stream, next) => {
    if (header.name !== ".")
      entries.push({ name: header.name, type: header.type ?? "file", ...(header.linkname ? { linkname: header.linkname } : {}) });
    stream.on("end", next);
    stream.resume();
  });
  const done = new Promise<void>((resolve) => extract.on("finish", () => resolve()));
  context.tar().pipe(extract);
  await done;
  return entries.sort((a, b) => (a.name < b.name ? -1 : 1));
}

describe("readSubmissionDockerfile", () => {
  it("refuses a Dockerfile that is a symbolic link, without reading its target", async () => {
    const dir = temp();
    symlinkSync("/etc/passwd", path.join(dir, "Dockerfile"));
    expect(await readSubmissionDockerfile(dir)).toMatchObject({ ok: false, problem: "symlink" });
  });

  it("says when there is no Dockerfile", async () => {
    expect(await readSubmissionDockerfile(temp())).toMatchObject({ ok: false, problem: "missing" });
  });

  it("caps what it reads", async () => {
    const dir = temp();
    writeFileSync(path.join(dir, "Dockerfile"), "#".repeat(DOCKERFILE_MAX_BYTES + 1));
    expect(await readSubmissionDockerfile(dir)).toMatchObject({ ok: false, problem: "too-large" });
  });
});

describe("prepareBuildContext", () => {
  it("sends symlinks as symlinks, never their targets", async () => {
    const dir = temp();
    writeFileSync(path.join(dir, "Dockerfile"), "FROM a\n");
    symlinkSync("/etc/shadow", path.join(dir, "secret"));
    expect(await tarEntries(dir)).toEqual([
      { name: "Dockerfile", type: "file" },
      { name: "secret", type: "symlink", linkname: "/etc/shadow" },
    ]);
  });

  it("applies .dockerignore like the Docker CLI, with exceptions, but always sends Dockerfile and .dockerignore", async () => {
    const dir = temp();
    writeFileSync(path.join(dir, "Dockerfile"), "FROM a\n");
    writeFileSync(path.join(dir, ".dockerignore"), "Dockerfile\n.dockerignore\nvenv\n*.log\n!keep.log\n");
    mkdirSync(path.join(dir, "venv", "bin"), { recursive: true });
    writeFileSync(path.join(dir, "venv", "bin", "python"), "");
    writeFileSync(path.join(dir, "a.log"), "");
    writeFileSync(path.join(dir, "keep.log"), "");
    writeFileSync(path.join(dir, "app.py"), "");
    expect((await tarEntries(dir)).map((e) => e.name)).toEqual([".dockerignore", "Dockerfile", "app.py", "keep.log"]);
  });

  it("sends the Dockerfile lines asked for as comments of the same length, and every other file as it is", async () => {
    const dir = temp();
    const dockerfile = "# syntax=docker/dockerfile:1\r\nFROM a\nRUN true\n";
    writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
    writeFileSync(path.join(dir, "app.py"), "# syntax=docker/dockerfile:1\n");
    const context = await prepareBuildContext(dir);
    if (!context.ok) throw new Error(context.message);
    const files = new Map<string, string>();
    const extract = tarStream.extract();
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c) => chunks.push(c as Buffer));
      stream.on("end", () => {
        files.set(header.name, Buffer.concat(chunks).toString());
        next();
      });
    });
    const done = new Promise<void>((resolve) => extract.on("finish", () => resolve()));
    context.tar({ blankDockerfileLines: [0] }).pipe(extract);
    await done;
    expect(files.get("Dockerfile")).toBe(`#${" ".repeat(27)}\r\nFROM a\nRUN true\n`);
    expect(files.get("Dockerfile")!.length).toBe(dockerfile.length);
    expect(files.get("app.py")).toBe("# syntax=docker/dockerfile:1\n");
  });
});

describe("discoverSubmissions", () => {
  it("takes directories verbatim as ids, sorted, and lists what it skipped and why", () => {
    const root = temp();
    for (const name of ["zed", "Ådne", `o'brien "x" <&>`, ".git"]) mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, "notes.txt"), "");
    symlinkSync("/tmp", path.join(root, "linked"));
    const { submissions, skipped } = discoverSubmissions(root);
    expect(submissions.map((s) => s.id)).toEqual([`o'brien "x" <&>`, "zed", "Ådne"]);
    expect(skipped).toEqual([
      { name: ".git", reason: "hidden entry" },
      { name: "linked", reason: "a symbolic link, not followed" },
      { name: "notes.txt", reason: "neither a directory nor a .zip archive" },
    ]);
  });
});
