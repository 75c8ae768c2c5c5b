/**
 * Keeps the first and the last part of a stream of text, so a flood of output never grows the grader's
 * memory past `capBytes` while the start (what ran) and the end (why it failed) both survive.
 */
export class TailBuffer {
  private head = "";
  private tail = "";
  private dropped = 0;

  constructor(private readonly capBytes: number) {}

  append(text: string): void {
    const headRoom = Math.floor(this.capBytes / 2) - this.head.length;
    if (headRoom > 0) {
      this.head += text.slice(0, headRoom);
      text = text.slice(headRoom);
    }
    if (!text) return;
    this.tail += text;
    const tailCap = this.capBytes - Math.floor(this.capBytes / 2);
    if (this.tail.length > tailCap) {
      this.dropped += this.tail.length - tailCap;
      this.tail = this.tail.slice(this.tail.length - tailCap);
    }
  }

  text(): string {
    if (!this.dropped) return this.head + this.tail;
    return `${this.head}\n[… ${this.dropped} characters left out …]\n${this.tail}`;
  }
}
