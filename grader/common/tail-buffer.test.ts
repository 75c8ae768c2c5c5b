import { TailBuffer } from "./tail-buffer";

describe("TailBuffer", () => {
  it("keeps everything below the cap", () => {
    const buffer = new TailBuffer(100);
    buffer.append("hello ");
    buffer.append("world");
    expect(buffer.text()).toBe("hello world");
  });

  it("keeps the head and the tail of a flood and says how much it left out", () => {
    const buffer = new TailBuffer(20);
    buffer.append("HEAD-----");
    for (let i = 0; i < 1000; i++) buffer.append("x".repeat(100));
    buffer.append("the end");
    const text = buffer.text();
    expect(text.startsWith("HEAD-----x")).toBe(true);
    expect(text.endsWith("xxxthe end")).toBe(true);
    expect(text).toMatch(/\[… \d+ characters left out …\]/);
    expect(text.length).toBeLessThan(100);
  });
});
