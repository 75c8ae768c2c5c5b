/**
 * Lets grading work run side by side ("shared") or alone ("exclusive": nothing shared runs meanwhile). An
 * exclusive task waits until no shared task runs; shared tasks that arrive while one runs wait for it. Each
 * shared task learns whether another ran at any moment beside it — whether what it measured was measured alone.
 */
export class LoadGate {
  private readonly active = new Set<{ crowded: boolean }>();
  private exclusiveRunning = false;
  private readonly waitingShared: (() => void)[] = [];
  private readonly waitingExclusive: (() => void)[] = [];

  /** Runs `task` beside other shared tasks; `crowded()` tells, at any point, whether one ran beside it so far. */
  async shared<T>(task: (crowded: () => boolean) => Promise<T>): Promise<T> {
    while (this.exclusiveRunning) await new Promise<void>((resolve) => this.waitingShared.push(resolve));
    const token = { crowded: this.active.size > 0 };
    for (const other of this.active) other.crowded = true;
    this.active.add(token);
    try {
      return await task(() => token.crowded);
    } finally {
      this.active.delete(token);
      this.wake();
    }
  }

  /** Runs `task` with nothing shared running, once nothing is. */
  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    while (this.exclusiveRunning || this.active.size > 0) await new Promise<void>((resolve) => this.waitingExclusive.push(resolve));
    this.exclusiveRunning = true;
    try {
      return await task();
    } finally {
      this.exclusiveRunning = false;
      this.wake();
    }
  }

  private wake(): void {
    if (this.exclusiveRunning) return;
    if (this.active.size === 0 && this.waitingExclusive.length) {
      this.waitingExclusive.shift()!();
      return;
    }
    for (const resume of this.waitingShared.splice(0)) resume();
  }
}
