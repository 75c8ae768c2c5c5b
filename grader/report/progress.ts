import { sanitizeForTerminal } from "./sanitize";

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Grading progress on stderr: on a terminal, one live bar with counts and ETA; in a log (not a TTY, or CI set),
 * one plain line per finished submission.
 */
export class Progress {
  private done = 0;
  private readonly started: number;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly live = Boolean(stream.isTTY) && !process.env.CI,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  finished(id: string, score: number, maxScore: number): void {
    this.done++;
    const name = sanitizeForTerminal(id, 40);
    if (!this.live) {
      const width = String(this.total).length;
      this.stream.write(`[${String(this.done).padStart(width)}/${this.total}] ${name}: ${score}/${maxScore}\n`);
      return;
    }
    const elapsed = this.now() - this.started;
    const eta = this.done < this.total ? ` · ETA ${formatDuration((elapsed / this.done) * (this.total - this.done))}` : "";
    const barWidth = 20;
    const filled = Math.round((this.done / this.total) * barWidth);
    const line = `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${this.done}/${this.total}${eta} · last: ${name} ${score}/${maxScore}`;
    this.stream.write(`\r\u001b[2K${line.slice(0, (this.stream.columns ?? 120) - 1)}${this.done === this.total ? "\n" : ""}`);
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}
