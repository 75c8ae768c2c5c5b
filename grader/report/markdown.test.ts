import { markdownCell } from "./markdown";

describe("markdownCell", () => {
  it("keeps student text from breaking the table or injecting markup", () => {
    expect(markdownCell("a | b\nc <img src=x onerror=alert(1)> `code` *bold* [link](x)")).toBe(
      "a \\| b<br>c &lt;img src=x onerror=alert(1)&gt; \\`code\\` \\*bold\\* \\[link\\](x)",
    );
  });

  it("shows control characters and cuts long text", () => {
    expect(markdownCell("\u001b[31mred\u001b[0m\u0007")).toBe("red?");
    expect(markdownCell("x".repeat(600), 10)).toBe("xxxxxxxxxx…");
  });
});
