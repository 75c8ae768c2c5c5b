import { formatBytes, GRADER_ERROR_REASON, NOT_BUILT, type CheckResult } from "../checks/check";
import type { ReferenceFacts } from "../grading/submission-facts";
import type { GradesDocument, SubmissionGrade } from "./grades";
import { capText, replaceControls, stripAnsi } from "./sanitize";

/** Escapes untrusted text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return replaceControls(stripAnsi(text), "\t\n\r", "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * report.html: one self-contained page (no network, no scripts, no fonts; a CSP forbids any) an instructor reads
 * at a glance, on a desktop or a phone — class summary, score distribution, pass rate per check, every image's
 * size against the threshold with the reference and single-stage baseline marked, a student × check grid, and
 * each student's checks.
 */
export function renderHtmlReport(grades: GradesDocument): string {
  const title = `${grades.lab.title} — grades`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Lab <code>${escapeHtml(grades.lab.id)}</code> · run ${escapeHtml(grades.runId)} · graded ${readableDate(grades.gradedAt)} · ${escapeHtml(grades.engine.product)}, ${escapeHtml(grades.engine.imageStore)} (${escapeHtml(grades.engine.os)}/${escapeHtml(grades.engine.architecture)})</p>
${grades.engine.buildLimits ? `<p class="limits"><b>Build limits:</b> ${escapeHtml(grades.engine.buildLimits)}</p>` : ""}
${classSummary(grades.submissions)}
${imageSizes(grades)}
${checkGrid(grades.submissions)}
<h2>Submissions</h2>
${grades.submissions.map(submissionSection).join("\n")}
${grades.skipped.length ? `<h2>Not graded</h2><ul>${grades.skipped.map((e) => `<li><code>${escapeHtml(e.name)}</code>: ${escapeHtml(e.reason)}</li>`).join("")}</ul>` : ""}
</body>
</html>
`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "28 Nov 2026, 19:02 UTC" in a <time> that keeps the ISO string; text that is not a date is shown as it is. */
export function readableDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeHtml(iso);
  const time = [date.getUTCHours(), date.getUTCMinutes()].map((n) => String(n).padStart(2, "0")).join(":");
  return `<time datetime="${escapeHtml(iso)}">${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${time} UTC</time>`;
}

/** Where a submission's section is; ids are untrusted text, so anchors are numbered. */
const anchor = (index: number): string => `submission-${index + 1}`;

function checkIds(subs: SubmissionGrade[]): string[] {
  return [...new Set(subs.flatMap((s) => s.checks.map((c) => c.id)))];
}

/** The checks a failed build kept from running (they report NOT_BUILT; results written before `reason` existed, by the message). */
function checksNotRunForBuild(checks: CheckResult[]): CheckResult[] {
  return checks.filter((c) => !c.passed && (c.reason === NOT_BUILT.reason || c.message === NOT_BUILT.message));
}

/** Worded as README's `--resume` and exit code 4: a grader error is not a grade, and `grade --resume` grades it. */
const GRADER_ERROR_HINT =
  "this is not the student's fault. The grader itself failed on this submission, and a grader error is not a grade: lab-grader grade --resume grades it again.";

/** Checks of a submission that failed for one reason that is not theirs: one row with one hint, marked in the grid. */
interface CollapsedChecks {
  checks: CheckResult[];
  message: string;
  hint: string;
  /** The class their grid cells get besides "fail". */
  cell: string;
}

/**
 * What a submission's rows collapse: the checks a failed build kept from running, those the engine could not grade,
 * and those the grader failed on.
 */
function collapsedChecks(s: SubmissionGrade): CollapsedChecks[] {
  const notRun = checksNotRunForBuild(s.checks);
  const graderFailed = s.checks.filter((c) => !c.passed && c.reason === GRADER_ERROR_REASON);
  const engineCannot = s.checks.filter((c) => c.notGraded?.cause === "engine");
  const groups: CollapsedChecks[] = [];
  if (engineCannot.length) {
    const needs = engineCannot.find((c) => c.notGraded?.needs)?.notGraded?.needs;
    const message = [...new Set(engineCannot.map((c) => c.message))].join("\n");
    const hint = `not the student's fault, and not a grade: the engine that graded it cannot build what ${engineCannot.length === 1 ? "this check needs" : "these checks need"}; grade it again on ${needs ?? "an engine that can"}.`;
    groups.push({ checks: engineCannot, message, hint, cell: "not-graded" });
  }
  if (notRun.length) {
    const hint = `${notRun.length === 1 ? "this check runs" : "these checks run"} once the image builds; fix ${buildCheck(s.checks)?.id ?? "the build"} first.`;
    groups.push({ checks: notRun, message: NOT_BUILT.message, hint, cell: "not-run" });
  }
  if (graderFailed.length) {
    // The same message on every check as a rule (the facts failed); should they differ, each is said once.
    const message = [...new Set(graderFailed.map((c) => c.message))].join("\n");
    groups.push({ checks: graderFailed, message, hint: GRADER_ERROR_HINT, cell: "grader-error" });
  }
  return groups;
}

/** The score over the points graded, and what was not graded. */
function scoreText(s: SubmissionGrade): string {
  return `${s.score}/${s.maxScore}${s.notGraded ? ` (+${s.notGraded.points} not graded)` : ""}`;
}

function classSummary(all: SubmissionGrade[]): string {
  // A submission with checks not graded has no grade yet: it is left out of the figures, and said so
  const subs = all.filter((s) => !s.notGraded);
  const ungraded = all.length - subs.length;
  const n = subs.length;
  const max = subs[0]?.maxScore ?? 0;
  const scores = subs.map((s) => s.score).sort((a, b) => a - b);
  const mean = n ? scores.reduce((a, b) => a + b, 0) / n : 0;
  const median = n ? (scores[Math.floor((n - 1) / 2)] + scores[Math.ceil((n - 1) / 2)]) / 2 : 0;
  return `<h2>Class summary</h2>
<p class="numbers"><b>${n}</b> submissions${ungraded ? ` (and ${ungraded} not fully graded, left out here)` : ""} · mean <b>${mean.toFixed(1)}</b>/${max} · median <b>${median}</b>/${max} · <b>${subs.filter((s) => s.score === s.maxScore).length}</b> with full marks</p>
<h3>Score distribution</h3>
${scoreHistogram(scores, max)}
<h3>Pass rate per check</h3>
${passRates(all)}`;
}

function scoreHistogram(scores: number[], max: number): string {
  const counts = Array.from({ length: max + 1 }, (_, score) => scores.filter((s) => s === score).length);
  const top = Math.max(1, ...counts);
  const columns = counts
    .map(
      (count, score) =>
        `<div class="hist-col"><small>${count}</small><div class="hist-bar" style="height:${Math.round((count / top) * 100)}px"></div><span>${score}</span></div>`,
    )
    .join("");
  return `<div class="histogram">${columns}</div>`;
}

function passRates(subs: SubmissionGrade[]): string {
  const rows = checkIds(subs)
    .map((id) => {
      // Of the submissions where the check was graded
      const graded = subs.filter((s) => !s.checks.find((c) => c.id === id)?.notGraded);
      const n = graded.length;
      const passed = graded.filter((s) => s.checks.find((c) => c.id === id)?.passed).length;
      const pct = n ? Math.round((passed / n) * 100) : 0;
      return `<tr><td><code>${escapeHtml(id)}</code></td><td>${passed}/${n}</td><td class="rate-cell"><div class="rate"><div style="width:${pct}%"></div></div></td><td>${pct}%</td></tr>`;
    })
    .join("");
  return `<table class="rates"><thead><tr><th>check</th><th>passed</th><th colspan="2">rate</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function imageSizes(grades: GradesDocument): string {
  const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
  const chart = built.length
    ? `<div class="size-chart" role="figure" aria-label="image sizes">${sizeChart(built, grades.reference)}</div>`
    : `<p class="size-chart">No image was built.</p>`;
  return `<h2>Image sizes</h2>
<p>One bar per image, green at or under the threshold (${escapeHtml(grades.reference.thresholdRule)}), red above; the lines mark the threshold, the reference solution and the single-stage baseline.</p>
<div class="sizes">${chart}${withoutImage(grades.submissions)}</div>`;
}

interface Axis {
  maxBytes: number;
  ticksMb: number[];
}

/** An MB axis from 0 in round steps (1, 2, 2.5 or 5 × 10ⁿ), at most five of them, so its labels fit on a phone. */
export function sizeAxis(largestBytes: number): Axis {
  const largestMb = Math.max(largestBytes / 1e6, 1);
  const rough = largestMb / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= rough)!;
  const intervals = Math.ceil(largestMb / step - 1e-9); // a rounding error must not add an interval
  return { maxBytes: intervals * step * 1e6, ticksMb: Array.from({ length: intervals + 1 }, (_, i) => Number((i * step).toPrecision(6))) };
}

interface SizeMarker {
  cls: string;
  label: string;
  bytes: number;
}

// Horizontal bars in a CSS grid (name | bar | value): text stays at its size on any screen, which a scaled SVG's
// would not, and a class of any size only makes the chart taller.
function sizeChart(built: SubmissionGrade[], reference: ReferenceFacts): string {
  const markers: SizeMarker[] = [
    { cls: "reference", label: "reference solution", bytes: reference.referenceBytes },
    { cls: "threshold", label: "threshold", bytes: reference.thresholdBytes },
    { cls: "baseline", label: "single-stage baseline", bytes: reference.baselineBytes },
  ];
  const axis = sizeAxis(Math.max(...built.map((s) => s.imageBytes!), ...markers.map((m) => m.bytes)));
  const x = (bytes: number): string => `${((bytes / axis.maxBytes) * 100).toFixed(2)}%`;
  const guides =
    axis.ticksMb.map((mb) => `<span class="tick" style="left:${x(mb * 1e6)}"></span>`).join("") +
    markers.map((m) => `<span class="marker ${m.cls}" style="left:${x(m.bytes)}"></span>`).join("");
  const ticks = axis.ticksMb.map((mb) => `<span style="left:${x(mb * 1e6)}">${mb}</span>`).join("");
  return `<div class="size-guides">${guides}</div>
${markers.map((m) => markerLabelRow(m, axis, x)).join("\n")}
${built.map((s) => sizeBarRow(s, reference.thresholdBytes, x)).join("\n")}
<span></span><div class="size-axis">${ticks}</div><span class="axis-unit">MB</span>`;
}

/** A row above the bars with the marker's label written beside its line, on the side with more room. */
function markerLabelRow(m: SizeMarker, axis: Axis, x: (bytes: number) => string): string {
  const side = m.bytes / axis.maxBytes <= 0.5 ? `padding-left:${x(m.bytes)}` : `padding-right:${x(axis.maxBytes - m.bytes)};text-align:right`;
  return `<span></span><div class="marker-label ${m.cls}" style="${side}"><span>${m.label} ${formatBytes(m.bytes)}</span></div><span></span>`;
}

function sizeBarRow(s: SubmissionGrade, thresholdBytes: number, x: (bytes: number) => string): string {
  const bytes = s.imageBytes!;
  const verdict = bytes <= thresholdBytes ? "under" : "over";
  return (
    `<span class="size-name">${escapeHtml(s.id)}</span>` +
    `<div class="size-track"><div class="size-bar ${verdict}" data-id="${escapeHtml(s.id)}" style="width:${x(bytes)}"></div></div>` +
    `<span class="size-value ${verdict}">${formatBytes(bytes)}</span>`
  );
}

function withoutImage(subs: SubmissionGrade[]): string {
  const items = subs.flatMap((s, index) => {
    if (s.imageBytes !== undefined) return [];
    const { why, detail } = whyNoImage(s);
    const details = detail ? `<br><small>${escapeHtml(capText(detail, 200))}</small>` : "";
    return [`<li><a href="#${anchor(index)}">${escapeHtml(s.id)}</a>: ${why}${details}</li>`];
  });
  return items.length ? `<div class="no-image"><h3>Without an image (${items.length})</h3><ul>${items.join("")}</ul></div>` : "";
}

/** The check that builds the image (by its kind; results written before kinds were recorded, by Lab 42's id). */
function buildCheck(checks: CheckResult[]): CheckResult | undefined {
  return checks.find((c) => c.kind === "image-builds") ?? checks.find((c) => c.id === "image-builds");
}

function whyNoImage(s: SubmissionGrade): { why: string; detail?: string } {
  if (s.graderError) return { why: "grader error", detail: s.graderError };
  const build = buildCheck(s.checks);
  if (build && !build.passed) return { why: "did not build", detail: build.message.split("\n")[0] };
  return { why: "no image recorded" };
}

function checkGrid(subs: SubmissionGrade[]): string {
  const ids = checkIds(subs);
  const head = `<tr><th>student</th>${ids.map((id) => `<th><code>${escapeHtml(id)}</code></th>`).join("")}<th>score</th></tr>`;
  const rows = subs.map((s, index) => {
    const collapsed = collapsedChecks(s);
    const cells = ids.map((id) => {
      const c = s.checks.find((check) => check.id === id);
      if (!c) return `<td class="absent">—</td>`;
      const group = collapsed.find((g) => g.checks.includes(c));
      if (c.notGraded?.cause === "engine") return `<td class="fail not-graded">○</td>`;
      return `<td class="${c.passed ? "pass" : "fail"}${group ? ` ${group.cell}` : ""}">${c.passed ? "✓" : "✗"} ${c.points}</td>`;
    });
    return `<tr><th scope="row"><a href="#${anchor(index)}">${escapeHtml(s.id)}</a></th>${cells.join("")}<td class="score">${scoreText(s)}</td></tr>`;
  });
  return `<h2>Checks per student</h2>
<p>✓ passed, ✗ failed, with the points earned; a grey ✗ was not run because the image did not build; an amber ✗ is a grader error and an amber ○ a check this engine could not grade, neither the student's fault nor counted in the score (grade those again: lab-grader grade --resume, on an engine that can).</p>
<div class="grid-scroll"><table class="grid"><thead>${head}</thead><tbody>${rows.join("\n")}</tbody></table></div>`;
}

function submissionSection(s: SubmissionGrade, index: number): string {
  const size = s.imageBytes !== undefined ? ` · image ${formatBytes(s.imageBytes)} (${escapeHtml(s.architecture ?? "?")})` : "";
  const flag = s.graderError
    ? ' <span class="error">grader error</span>'
    : s.notGraded
      ? ` <span class="not-graded">${s.notGraded.points} point(s) not graded</span>`
      : "";
  return `<details class="submission" id="${anchor(index)}"${s.score === s.maxScore && !s.notGraded ? "" : " open"}><summary><b>${escapeHtml(s.id)}</b> — ${scoreText(s)}${size}${flag}</summary>
<ul class="checks">${checkRows(s)}</ul></details>`;
}

function checkRows(s: SubmissionGrade): string {
  const collapsed = collapsedChecks(s);
  return s.checks
    .map((c) => {
      const group = collapsed.find((g) => g.checks.includes(c));
      if (!group) return checkRow([c], c.message, c.passed ? undefined : c.hint);
      return c === group.checks[0] ? checkRow(group.checks, group.message, group.hint) : "";
    })
    .join("");
}

/** One row for one check, or one for several checks that failed for the same reason. */
function checkRow(checks: CheckResult[], message: string, hint: string | undefined): string {
  const passed = checks.every((c) => c.passed);
  const points = checks.reduce((sum, c) => sum + c.points, 0);
  const maxPoints = checks.reduce((sum, c) => sum + c.maxPoints, 0);
  const ids = checks.map((c) => `<code>${escapeHtml(c.id)}</code>`).join(", ");
  return (
    `<li class="check ${passed ? "pass" : "fail"}"><span class="mark">${passed ? "✓" : "✗"}</span><span class="check-ids">${ids}</span><span class="points">${points}/${maxPoints}</span>` +
    `<div class="feedback"><pre>${escapeHtml(capText(message, 4000))}</pre>${hint ? `<p class="hint">Hint: ${escapeHtml(hint)}</p>` : ""}</div></li>`
  );
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24;overflow-wrap:anywhere}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}.meta{color:#57606a}
.limits{border-left:4px solid #bf8700;background:#fff8c5;padding:6px 10px}
.numbers b{font-size:1.2rem}
.histogram{display:flex;align-items:flex-end;gap:4px;height:150px;padding:8px 0}
.hist-col{display:flex;flex-direction:column;align-items:center;justify-content:flex-end;flex:1 1 0;min-width:0;max-width:34px}
.hist-bar{width:100%;max-width:26px;background:#0969da;border-radius:3px 3px 0 0;min-height:1px}.hist-col small{color:#57606a}
table{border-collapse:collapse;overflow-wrap:normal}td,th{padding:4px 8px;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace;font-size:13px}
table.rates{width:100%;max-width:40rem}table.rates code{white-space:nowrap}.rate-cell{width:100%;vertical-align:middle}
.rate{height:10px;background:#eee;border-radius:5px}.rate div{height:10px;background:#1a7f37;border-radius:5px}
.sizes{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}
.size-chart{flex:3 1 30rem;min-width:0;margin:0;position:relative;display:grid;grid-template-columns:min(30%,14rem) minmax(0,1fr) auto;column-gap:8px;font-size:13px}
.size-guides{position:absolute;grid-column:2 / 3;top:0;bottom:0;left:0;right:0;pointer-events:none}
.tick,.marker{position:absolute;top:0;bottom:0}.tick{border-left:1px solid #e4e7eb}
.marker{z-index:1}.marker.threshold{border-left:2px solid #bf8700}.marker.reference{border-left:2px dashed #0969da}.marker.baseline{border-left:2px dotted #8250df}
.marker-label{font-size:12px}.marker-label span{position:relative;z-index:2;background:#fff;padding:0 3px}
.marker-label.threshold{color:#7d4e00}.marker-label.reference{color:#0969da}.marker-label.baseline{color:#8250df}
.size-name{text-align:right;margin:2px 0;line-height:1.25;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden}
.size-track{position:relative;padding:4px 0}.size-bar{height:12px;border-radius:0 2px 2px 0;min-width:1px}
.size-bar.under{background:#2da44e}.size-bar.over{background:#cf222e}
.size-value{white-space:nowrap;text-align:right;padding:2px 0;font-variant-numeric:tabular-nums}.size-value.over{color:#cf222e}
.size-axis{position:relative;height:1.4em;border-top:1px solid #8c959f}.size-axis span{position:absolute;white-space:nowrap;transform:translateX(-50%);color:#57606a;font-size:12px}
.axis-unit{color:#57606a;font-size:12px;text-align:right}
.no-image{flex:1 1 14rem;min-width:0}.no-image h3{margin-top:0}.no-image ul{padding-left:1.2rem}.no-image small{color:#57606a}
.grid-scroll{overflow-x:auto;max-width:100%}
table.grid{font-size:13px;overflow-wrap:normal}table.grid td,table.grid th{border-bottom:1px solid #eee;white-space:nowrap}
table.grid thead th{vertical-align:bottom}table.grid td{text-align:center}
table.grid th[scope=row]{position:sticky;left:0;background:#fff;font-weight:normal;white-space:normal;overflow-wrap:anywhere;min-width:5rem;max-width:14rem}
table.grid td.pass{color:#1a7f37}table.grid td.fail{color:#cf222e;font-weight:bold}table.grid td.not-run{color:#8c959f;font-weight:normal}table.grid td.grader-error,table.grid td.not-graded{color:#9a6700;font-weight:normal}table.grid td.score{font-weight:bold}
details.submission{border:1px solid #ddd;border-radius:6px;margin:8px 0;padding:6px 10px}summary{cursor:pointer}
ul.checks{list-style:none;margin:6px 0 0;padding:0}
.check{display:grid;grid-template-columns:1.4em minmax(0,14rem) 3.5em minmax(0,1fr);gap:2px 8px;padding:4px 0;border-top:1px solid #f0f0f0}
.check code{white-space:nowrap}.check .points{font-variant-numeric:tabular-nums}
.check.pass .mark{color:#1a7f37}.check.fail .mark{color:#cf222e;font-weight:bold}
@media (max-width:700px){
.check .feedback{grid-column:2 / -1}
.size-axis span:nth-child(even){visibility:hidden}
table.grid thead th:not(:first-child) code{writing-mode:vertical-rl;transform:rotate(180deg)}
table.grid td,table.grid th{padding:4px 5px}
}
pre{white-space:pre-wrap;margin:0;font:13px/1.4 ui-monospace,monospace}.hint{margin:4px 0 0;color:#57606a}
.error{color:#cf222e}.not-graded{color:#9a6700}
`;
