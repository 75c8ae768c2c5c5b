import type { GradesDocument } from "./grades";
import { escapeHtml, renderHtmlReport } from "./html";

const grades = (id: string, message: string): GradesDocument =>
  ({
    lab: { id: "lab42", title: "Lab <42>", file: "f" },
    runId: "r",
    gradedAt: "2026-01-01T00:00:00Z",
    engine: { location: "x", product: "Docker Engine 1", imageStore: "overlay2 graphdriver", version: "1", apiVersion: "1.41", os: "linux", architecture: "amd64" },
    reference: { referenceBytes: 100e6, baselineBytes: 120e6, thresholdBytes: 110e6, thresholdRule: "1.10 × the reference solution" },
    skipped: [{ name: "<b>notes</b>.txt", reason: "neither a directory nor a .zip archive" }],
    grader: { version: "0", peakRssBytes: 1 },
    submissions: [
      { id, score: 1, maxScore: 2, imageBytes: 130e6, architecture: "amd64", checks: [{ id: "greeting-served", passed: false, points: 0, maxPoints: 2, message, hint: "h" }] },
    ],
  }) as GradesDocument;

describe("renderHtmlReport", () => {
  it("escapes every piece of student text", () => {
    const html = renderHtmlReport(grades(`<script>alert("id")</script>`, `</pre><img src=x onerror=alert(1)>\u0000\u001b[31m`));
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toContain("&lt;script&gt;alert(&quot;id&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;\ufffd");
    expect(html).toContain("&lt;b&gt;notes&lt;/b&gt;.txt");
  });

  it("forbids scripts and remote resources with a CSP, and draws an over-threshold bar in red", () => {
    const html = renderHtmlReport(grades("a", "m"));
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toMatch(/<rect class="size-bar over" data-id="a"/);
  });

  it("escapes quotes for attributes", () => {
    expect(escapeHtml(`"'<&>`)).toBe("&quot;&#39;&lt;&amp;&gt;");
  });
});
