import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { submissionKey } from "./result-cache";

function submission(): { dir: string; lab: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "lab-grader-key-"));
  writeFileSync(path.join(dir, "Dockerfile"), "FROM python:3.9-slim\n");
  writeFileSync(path.join(dir, "app.py"), "print('hi')\n");
  const lab = path.join(mkdtempSync(path.join(tmpdir(), "lab-grader-lab-")), "lab.yaml");
  writeFileSync(lab, "id: lab\n");
  return { dir, lab };
}

describe("submissionKey", () => {
  it("is stable for the same input and changes with content, mode, links and the lab", () => {
    const { dir, lab } = submission();
    const key = submissionKey(dir, [lab]);
    expect(submissionKey(dir, [lab])).toBe(key);
    writeFileSync(path.join(dir, "app.py"), "print('hi!')\n");
    const edited = submissionKey(dir, [lab]);
    expect(edited).not.toBe(key);
    chmodSync(path.join(dir, "app.py"), 0o755);
    const executable = submissionKey(dir, [lab]);
    expect(executable).not.toBe(edited);
    symlinkSync("/etc/passwd", path.join(dir, "link"));
    const linked = submissionKey(dir, [lab]);
    expect(linked).not.toBe(executable);
    writeFileSync(lab, "id: lab2\n");
    expect(submissionKey(dir, [lab])).not.toBe(linked);
  });
});
