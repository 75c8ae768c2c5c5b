import { classGrades } from "../../test/helpers/class-grades";
import { gradesDocument } from "../../test/helpers/grades-document";
import type { GradesDocument } from "./grades";
import { escapeHtml, readableDate, renderHtmlReport, sizeAxis } from "./html";
import { capText } from "./sanitize";
import { renderClassSummary } from "./summary-markdown";

const grades = (id: string, message: string): GradesDocument =>
  gradesDocument({
    lab: { id: "lab42", title: "Lab <42>", file: "f" },
    skipped: [{ name: "<b>notes</b>.txt", reason: "neither a directory nor a .zip archive" }],
    submissions: [
      {
        id,
        score: 1,
        maxScore: 2,
        imageBytes: 130e6,
        architecture: "amd64",
        checks: [{ id: "greeting-served", passed: false, points: 0, maxPoints: 2, message, hint: "h" }],
      },
    ],
  });

/** The part of `html` from `start` up to the first `end` after it. */
function between(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  const to = html.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`no ${start} … ${end} in the report`);
  return html.slice(from, to);
}

describe("renderHtmlReport", () => {
  it("escapes every piece of student text", () => {
    const html = renderHtmlReport(grades(`<script>alert("id")</script>`, `</pre><img src=x onerror=alert(1)>\u0000\u001b[31m`));
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toContain("&lt;script&gt;alert(&quot;id&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;\ufffd");
    expect(html).toContain("&lt;b&gt;notes&lt;/b&gt;.txt");
  });

  it("escapes ids and messages wherever they appear: chart, list without an image, grid, sections", () => {
    const document = classGrades();
    document.submissions = document.submissions.map((s, i) => ({
      ...s,
      id: `<img src=x onerror=alert(${i})>"'`,
      graderError: s.graderError && "<i>boom</i>",
    }));
    const html = renderHtmlReport(document);
    expect(html).not.toMatch(/<img|<i>/);
    // Each id is in the grid and its section; built ones also as a bar's name and data-id, the others in the list.
    const built = document.submissions.filter((s) => s.imageBytes !== undefined).length;
    expect(html.split("&lt;img src=x onerror=alert(").length - 1).toBe(
      2 * document.submissions.length + 2 * built + (document.submissions.length - built),
    );
    expect(html).toContain("&lt;i&gt;boom&lt;/i&gt;");
  });

  it("forbids scripts and remote resources with a CSP, and draws an over-threshold bar in red", () => {
    const html = renderHtmlReport(grades("a", "m"));
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toMatch(/<div class="size-bar over" data-id="a" style="width:\d+\.\d+%"/);
    expect(html).not.toMatch(/<script|<link |\b(?:src|href)\s*=\s*["']?[a-z]+:/i);
  });

  it("escapes quotes for attributes", () => {
    expect(escapeHtml(`"'<&>`)).toBe("&quot;&#39;&lt;&amp;&gt;");
  });

  it("writes when grading ended as a reader would, keeping the ISO time for machines", () => {
    expect(renderHtmlReport(classGrades())).toContain(`graded <time datetime="2026-11-28T19:02:41.908Z">28 Nov 2026, 19:02 UTC</time>`);
    expect(readableDate("2027-01-05T07:09:00+02:00")).toBe(`<time datetime="2027-01-05T07:09:00+02:00">5 Jan 2027, 05:09 UTC</time>`);
    expect(readableDate("<yesterday>")).toBe("&lt;yesterday&gt;");
  });
});

describe("the size chart", () => {
  const document = classGrades();
  const html = renderHtmlReport(document);
  const chart = between(html, `<div class="size-chart"`, `<div class="no-image">`);

  it("writes each image's size beside its bar, bars as long as the size on a 0-based axis", () => {
    const bars = [
      ...chart.matchAll(
        /<span class="size-name">([^<]*)<\/span><div class="size-track"><div class="size-bar (under|over)" data-id="[^"]*" style="width:([\d.]+)%"><\/div><\/div><span class="size-value \2">([^<]*)<\/span>/g,
      ),
    ];
    const built = document.submissions.filter((s) => s.imageBytes !== undefined);
    expect(bars.map((b) => [b[1], b[2], b[4]])).toEqual(
      built.map((s) => [
        escapeHtml(s.id),
        s.imageBytes! <= document.reference.thresholdBytes ? "under" : "over",
        `${(s.imageBytes! / 1e6).toFixed(1)} MB`,
      ]),
    );
    const axisMax = 1250e6; // the largest image is 1021.4 MB
    bars.forEach((b, i) => expect(Number(b[3])).toBeCloseTo((built[i].imageBytes! / axisMax) * 100, 1));
  });

  it("has an MB axis with its ticks written, and the threshold, reference and baseline lines labelled with their sizes", () => {
    expect([...chart.matchAll(/<span style="left:[\d.]+%">(\d+)<\/span>/g)].map((m) => m[1])).toEqual(["0", "250", "500", "750", "1000", "1250"]);
    expect(chart).toContain(`<span class="axis-unit">MB</span>`);
    for (const [cls, label] of [
      ["threshold", "threshold 144.8 MB"],
      ["reference", "reference solution 131.6 MB"],
      ["baseline", "single-stage baseline 178.3 MB"],
    ]) {
      expect(chart).toMatch(new RegExp(`<span class="marker ${cls}" style="left:[\\d.]+%"></span>`));
      expect(chart).toMatch(new RegExp(`<div class="marker-label ${cls}" style="padding-left:[\\d.]+%"><span>${label}</span></div>`));
    }
  });

  it("lists the submissions without an image beside it, with why", () => {
    const list = between(html, `<div class="no-image">`, "<h2>");
    expect(list).toContain("<h3>Without an image (7)</h3>");
    expect(list).toContain(
      `<li><a href="#submission-24">dave-handout-step3</a>: did not build<br><small>the build failed at COPY --from=builder /app/venv /app/venv: COPY failed: stat app/venv: file does not exist</small></li>`,
    );
    expect(list).toContain(
      `<li><a href="#submission-29">ken-no-dockerfile</a>: did not build<br><small>not built: no Dockerfile in the submission</small></li>`,
    );
    expect(list).toContain(`<li><a href="#submission-30">lena-grader-error</a>: grader error<br><small>the checks did not run</small></li>`);
    expect(html).toContain(`<details class="submission" id="submission-24" open><summary><b>dave-handout-step3</b>`);
  });

  it("says so when no image was built", () => {
    const none = classGrades();
    none.submissions = none.submissions.filter((s) => s.imageBytes === undefined);
    const page = renderHtmlReport(none);
    expect(page).toContain(`<p class="size-chart">No image was built.</p>`);
    expect(page).toContain("<h3>Without an image (7)</h3>");
  });
});

describe("sizeAxis", () => {
  it("counts in round MB steps from 0 to at least the largest size, in at most five steps", () => {
    expect(sizeAxis(1021.4e6)).toEqual({ maxBytes: 1250e6, ticksMb: [0, 250, 500, 750, 1000, 1250] });
    expect(sizeAxis(178.3e6)).toEqual({ maxBytes: 200e6, ticksMb: [0, 50, 100, 150, 200] });
    expect(sizeAxis(0)).toEqual({ maxBytes: 1e6, ticksMb: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    for (let mb = 0.7; mb < 1e5; mb *= 1.37) {
      const { maxBytes, ticksMb } = sizeAxis(mb * 1e6);
      expect(maxBytes).toBeGreaterThanOrEqual(mb * 1e6);
      expect(ticksMb.length).toBeLessThanOrEqual(6);
      expect(ticksMb.at(-1)! * 1e6).toBeCloseTo(maxBytes);
    }
  });
});

describe("the student × check grid", () => {
  const document = classGrades();
  const grid = between(renderHtmlReport(document), `<table class="grid">`, "</table>");

  it("has a row per student and a column per check, each cell ✓ or ✗ with the points earned", () => {
    expect(grid).toContain(
      "<tr><th>student</th><th><code>dockerfile-multistage</code></th><th><code>image-builds</code></th><th><code>container-runs</code></th><th><code>greeting-served</code></th><th><code>venv-copied</code></th><th><code>size-under-threshold</code></th><th>score</th></tr>",
    );
    expect(grid.match(/<tr><th scope="row">/g)).toHaveLength(document.submissions.length);
    expect(grid).toContain(
      `<tr><th scope="row"><a href="#submission-22">greeting-gina</a></th><td class="pass">✓ 2</td><td class="pass">✓ 2</td><td class="pass">✓ 1</td><td class="fail">✗ 0</td><td class="pass">✓ 2</td><td class="pass">✓ 1</td><td class="score">8/10</td></tr>`,
    );
  });

  it("greys the checks a failed build kept from running", () => {
    expect(grid).toContain(
      `<tr><th scope="row"><a href="#submission-24">dave-handout-step3</a></th><td class="pass">✓ 2</td><td class="fail">✗ 0</td><td class="fail not-run">✗ 0</td><td class="fail not-run">✗ 0</td><td class="fail not-run">✗ 0</td><td class="fail not-run">✗ 0</td><td class="score">2/10</td></tr>`,
    );
    expect(grid.match(/not-run/g)).toHaveLength(6 * 4);
  });

  it("marks the checks the grader failed on apart from a student's failures", () => {
    expect(grid).toContain(
      `<tr><th scope="row"><a href="#submission-30">lena-grader-error</a></th>${`<td class="fail grader-error">✗ 0</td>`.repeat(6)}<td class="score">0/10</td></tr>`,
    );
    expect(grid.match(/grader-error"/g)).toHaveLength(6);
  });
});

describe("a submission's checks", () => {
  const html = renderHtmlReport(classGrades());
  const section = (anchor: string): string => between(html, `<details class="submission" id="${anchor}"`, "</details>");

  it("collapse the checks a failed build kept from running into one row naming them, with one hint", () => {
    const dave = section("submission-24");
    expect(dave.match(/<li class="check/g)).toHaveLength(3);
    expect(dave).toContain(
      `<li class="check fail"><span class="mark">✗</span><span class="check-ids"><code>container-runs</code>, <code>greeting-served</code>, <code>venv-copied</code>, <code>size-under-threshold</code></span><span class="points">0/6</span>` +
        `<div class="feedback"><pre>not run: the image did not build (see image-builds)</pre><p class="hint">Hint: these checks run once the image builds; fix image-builds first.</p></div></li>`,
    );
    expect(dave.match(/not run: the image did not build/g)).toHaveLength(1);
    expect(dave.match(/class="hint"/g)).toHaveLength(2); // image-builds' own, and the collapsed row's
  });

  it("keep every other failure on its own row with its own hint", () => {
    const eli = section("submission-23");
    expect(eli.match(/<li class="check/g)).toHaveLength(6);
    expect(eli).toMatch(
      /<code>greeting-served<\/code><\/span><span class="points">0\/2<\/span><div class="feedback"><pre>GET \/ on port 5000: the container exited \(exit code 1\); see container-runs<\/pre><p class="hint">Hint: The app must answer/,
    );
  });

  it("collapse the checks the grader failed on into one row: not the student's fault, the grader's message once, --resume", () => {
    const lena = section("submission-30");
    expect(lena).toContain(`<span class="error">grader error</span>`);
    expect(lena.match(/<li class="check/g)).toHaveLength(1);
    expect(lena).toContain(
      `<li class="check fail"><span class="mark">✗</span><span class="check-ids"><code>dockerfile-multistage</code>, <code>image-builds</code>, <code>container-runs</code>, <code>greeting-served</code>, <code>venv-copied</code>, <code>size-under-threshold</code></span><span class="points">0/10</span>` +
        `<div class="feedback"><pre>grader error: the check did not run (connect ECONNREFUSED /var/run/docker.sock)</pre>` +
        `<p class="hint">Hint: this is not the student&#39;s fault. The grader itself failed on this submission, and a grader error is not a grade: lab-grader grade --resume grades it again.</p></div></li>`,
    );
    expect(lena.match(/grader error: the check did not run/g)).toHaveLength(1);
  });

  it("keep the checks of a grader-error submission that passed or failed for the student's reason on their own rows", () => {
    const document = classGrades();
    const lena = document.submissions.find((s) => s.id === "lena-grader-error")!;
    const message = `grader error: watchdog: <b>stopped</b>\u001b[31m ${"x".repeat(5000)}`;
    lena.checks = lena.checks.map((c) => ({ ...c, message }));
    lena.checks[0] = {
      ...lena.checks[0],
      reason: "single-stage",
      message: "expected at least two FROM stages; found one (line 1)",
      hint: "Use separate FROM instructions",
    };
    lena.checks[5] = { ...lena.checks[5], passed: true, points: 1, message: "grader error: in a passed check's message, kept" };
    const page = renderHtmlReport(document);
    const row = between(page, `<details class="submission" id="submission-30"`, "</details>");
    expect(row.match(/<li class="check/g)).toHaveLength(3);
    expect(row).toContain(
      `<code>dockerfile-multistage</code></span><span class="points">0/2</span><div class="feedback"><pre>expected at least two FROM stages; found one (line 1)</pre><p class="hint">Hint: Use separate FROM instructions</p>`,
    );
    expect(row).toContain(
      `<span class="check-ids"><code>image-builds</code>, <code>container-runs</code>, <code>greeting-served</code>, <code>venv-copied</code></span><span class="points">0/7</span>` +
        `<div class="feedback"><pre>${escapeHtml(capText(message, 4000))}</pre><p class="hint">Hint: this is not the student&#39;s fault.`,
    );
    expect(row).toContain(
      `<code>size-under-threshold</code></span><span class="points">1/1</span><div class="feedback"><pre>grader error: in a passed check&#39;s message, kept</pre></div>`,
    );
    expect(row.match(/watchdog: &lt;b&gt;stopped&lt;\/b&gt;/g)).toHaveLength(1);
    const grid = between(page, `<th scope="row"><a href="#submission-30">`, "</tr>");
    expect(grid.match(/<td class="[^"]*"/g)).toEqual([
      `<td class="fail"`,
      ...Array(4).fill(`<td class="fail grader-error"`),
      `<td class="pass"`,
      `<td class="score"`,
    ]);
  });
});

describe("what of the build limits did not hold", () => {
  const limits = "BuildKit builds only Dockerfiles that need it, its RUN steps not held to the lab's build limits: <the engine is not local>";
  const document = gradesDocument({ engine: { ...gradesDocument().engine, buildLimits: limits } });

  it("is said at the top of report.html and summary.md, escaped; and not when they all held", () => {
    expect(renderHtmlReport(document)).toContain(
      `<p class="limits"><b>Build limits:</b> BuildKit builds only Dockerfiles that need it, its RUN steps not held to the lab&#39;s build limits: &lt;the engine is not local&gt;</p>`,
    );
    expect(renderClassSummary(document)).toContain(
      "> **Build limits:** BuildKit builds only Dockerfiles that need it, its RUN steps not held to the lab's build limits: &lt;the engine is not local&gt;\n",
    );
    expect(renderHtmlReport(gradesDocument())).not.toContain("Build limits");
    expect(renderClassSummary(gradesDocument())).not.toContain("Build limits");
  });
});
