import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeZip } from "../../test/helpers/zips";
import { extractSubmissionArchive } from "./archive";

const temps: string[] = [];
const temp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-zip-"));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("extractSubmissionArchive", () => {
  it("steps into a single top-level folder", async () => {
    const dir = temp();
    writeZip(`${dir}/alice.zip`, [
      { name: "lab42/Dockerfile", data: "FROM x\n" },
      { name: "lab42/app.py", data: "print()\n" },
      { name: "__MACOSX/._lab42", data: "" },
    ]);
    const result = await extractSubmissionArchive(`${dir}/alice.zip`, dir);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(readdirSync(result.root).sort()).toEqual(["Dockerfile", "app.py"]);
    expect(readFileSync(path.join(result.root, "Dockerfile"), "utf8")).toBe("FROM x\n");
  });

  it("keeps the executable bit, and only that", async () => {
    const dir = temp();
    writeZip(`${dir}/x.zip`, [
      { name: "entrypoint.sh", data: "#!/bin/sh\n", mode: 0o4777 },
      { name: "app.py", data: "", mode: 0o666 },
    ]);
    const result = await extractSubmissionArchive(`${dir}/x.zip`, dir);
    if (!result.ok) throw new Error(result.message);
    expect(statSync(path.join(result.root, "entrypoint.sh")).mode & 0o7777).toBe(0o755);
    expect(statSync(path.join(result.root, "app.py")).mode & 0o7777).toBe(0o644);
  });

  it("unpacks a zip inside the zip (an LMS wrapping the student's own archive)", async () => {
    const dir = temp();
    writeZip(`${dir}/bob.zip`, [{ name: "bob_12345_submission.zip", zip: [{ name: "project/Dockerfile", data: "FROM y\n" }] }]);
    const result = await extractSubmissionArchive(`${dir}/bob.zip`, dir);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(readFileSync(path.join(result.root, "Dockerfile"), "utf8")).toBe("FROM y\n");
  });

  it.each([
    ["a .. path", [{ name: "../../escaped.txt", data: "x" }], /refused: invalid relative path: \.\.\/\.\.\/escaped\.txt/],
    ["an absolute path", [{ name: "/tmp/absolute.txt", data: "x" }], /refused: absolute path: \/tmp\/absolute\.txt/],
    ["a symbolic link", [{ name: "secret", symlinkTo: "/etc/shadow" }], /refused: secret is a symbolic link/],
  ])("refuses an archive with %s, writing nothing outside", async (_what, entries, message) => {
    const dir = temp();
    writeZip(`${dir}/evil.zip`, entries);
    const result = await extractSubmissionArchive(`${dir}/evil.zip`, dir);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(message) });
    expect(existsSync(path.join(dir, "..", "escaped.txt"))).toBe(false);
    expect(existsSync("/tmp/absolute.txt")).toBe(false);
  });

  it("stops a zip bomb at the byte cap, counting what it writes", async () => {
    const dir = temp();
    writeZip(`${dir}/bomb.zip`, [{ name: "zeros.bin", zeros: 260 * 1024 * 1024 }]);
    const result = await extractSubmissionArchive(`${dir}/bomb.zip`, dir);
    expect(result).toEqual({ ok: false, message: "bomb.zip: refused: it unpacks to more than 200 MiB" });
    expect(readdirSync(dir)).toEqual(["bomb.zip"]);
  }, 60_000);

  it("refuses archives nested too deep", async () => {
    const dir = temp();
    const deep = { name: "3.zip", zip: [{ name: "4.zip", zip: [{ name: "Dockerfile", data: "FROM z\n" }] }] };
    writeZip(`${dir}/deep.zip`, [{ name: "2.zip", zip: [deep] }]);
    expect(await extractSubmissionArchive(`${dir}/deep.zip`, dir)).toEqual({ ok: false, message: "3.zip: archives nested more than 3 deep" });
  });

  it("says when a file is not a zip at all", async () => {
    const dir = temp();
    writeFileSync(`${dir}/not.zip`, "hello");
    const result = await extractSubmissionArchive(`${dir}/not.zip`, dir);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/^not\.zip cannot be unpacked: /) });
  });
});
