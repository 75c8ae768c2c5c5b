import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { atomicWrite } from "../common/atomic-write";
import path from "node:path";
import type { CheckResult } from "../checks/check";
import type { GraderErrorKind } from "../grading/submission-facts";
import type { DiskGuardFigures } from "../grading/disk-floor";

/** Per-submission facts worth keeping in results.json besides the checks. */
export interface SubmissionSummary {
  imageBytes?: number;
  architecture?: string;
  os?: string;
  builder: string;
  /** The submission's Dockerfile relative to the directory grading ran in, when it is under it (see dockerfileLocation). */
  dockerfile?: string;
  graderError?: string;
  graderErrorKind?: GraderErrorKind;
  timingsMs: Record<string, number>;
}

/**
 * Each check's result is written to its own file the moment it is decided (write, then rename), so a crash
 * loses nothing already graded and the reporter reads structured results instead of parsing test output.
 */
export class CheckRecords {
  constructor(private readonly dir: string) {}

  private submissionDir(index: number): string {
    const dir = path.join(this.dir, String(index));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  writeCheck(index: number, result: CheckResult): void {
    atomicWrite(path.join(this.submissionDir(index), `check-${encodeURIComponent(result.id)}.json`), JSON.stringify(result));
  }

  writeSummary(index: number, summary: SubmissionSummary): void {
    atomicWrite(path.join(this.submissionDir(index), "summary.json"), JSON.stringify(summary));
  }

  /** What the run's disk guard saw (written once the grading is over, where the engine's free space was read). */
  writeDiskGuard(figures: DiskGuardFigures): void {
    atomicWrite(path.join(this.dir, "disk-guard.json"), JSON.stringify(figures));
  }

  readDiskGuard(): DiskGuardFigures | undefined {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, "disk-guard.json"), "utf8")) as DiskGuardFigures;
    } catch {
      return undefined;
    }
  }

  readChecks(index: number): Map<string, CheckResult> {
    const results = new Map<string, CheckResult>();
    for (const name of safeReaddir(path.join(this.dir, String(index)))) {
      if (!name.startsWith("check-") || !name.endsWith(".json")) continue;
      const result = JSON.parse(readFileSync(path.join(this.dir, String(index), name), "utf8")) as CheckResult;
      results.set(result.id, result);
    }
    return results;
  }

  readSummary(index: number): SubmissionSummary | undefined {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, String(index), "summary.json"), "utf8")) as SubmissionSummary;
    } catch {
      return undefined;
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
