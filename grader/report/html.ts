import type { GradesDocument, SubmissionGrade } from "./grades";
import { capText, stripAnsi } from "./sanitize";

/** Escapes untrusted text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return stripAnsi(text)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * report.html: one self-contained page (no network, no scripts, no fonts; a CSP forbids any) an instructor reads
 * at a glance — class summary, score distribution, pass rate per check, every image's size against the
 * threshold with the reference and single-stage baseline marked, and each student's checks.
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
<p class="meta">Lab <code>${escapeHtml(grades.lab.id)}</code> · run ${escapeHtml(grades.runId)} · graded ${escapeHtml(grades.gradedAt)} · ${escapeHtml(grades.engine.product)}, ${escapeHtml(grades.engine.imageStore)} (${escapeHtml(grades.engine.os)}/${escapeHtml(grades.engine.architecture)})</p>
${classSummary(grades)}
${sizeChart(grades)}
<h2>Submissions</h2>
${grades.submissions.map((s) => submissionSection(s)).join("\n")}
${grades.skipped.length ? `<h2>Not graded</h2><ul>${grades.skipped.map((e) => `<li><code>${escapeHtml(e.name)}</code>: ${escapeHtml(e.reason)}</li>`).join("")}</ul>` : ""}
</body>
</html>
`;
}

function classSummary(grades: GradesDocument): string {
  const subs = grades.submissions;
  const n = subs.length;
  const max = subs[0]?.maxScore ?? 0;
  const scores = subs.map((s) => s.score).sort((a, b) => a - b);
  const mean = n ? scores.reduce((a, b) => a + b, 0) / n : 0;
  const median = n ? (scores[Math.floor((n - 1) / 2)] + scores[Math.ceil((n - 1) / 2)]) / 2 : 0;
  const counts = Array.from({ length: max + 1 }, (_, score) => scores.filter((s) => s === score).length);
  const top = Math.max(1, ...counts);
  const histogram = counts
    .map((count, score) => `<div class="hist-col"><div class="hist-bar" style="height:${Math.round((count / top) * 100)}px" title="${count} with ${score}"></div><span>${score}</span><small>${count}</small></div>`)
    .join("");
  const checkIds = [...new Set(subs.flatMap((s) => s.checks.map((c) => c.id)))];
  const rates = checkIds
    .map((id) => {
      const passed = subs.filter((s) => s.checks.find((c) => c.id === id)?.passed).length;
      const pct = n ? Math.round((passed / n) * 100) : 0;
      return `<tr><td><code>${escapeHtml(id)}</code></td><td>${passed}/${n}</td><td><div class="rate"><div style="width:${pct}%"></div></div> ${pct}%</td></tr>`;
    })
    .join("");
  return `<h2>Class summary</h2>
<p class="numbers"><b>${n}</b> submissions · mean <b>${mean.toFixed(1)}</b>/${max} · median <b>${median}</b>/${max} · <b>${subs.filter((s) => s.score === s.maxScore).length}</b> with full marks</p>
<h3>Score distribution</h3>
<div class="histogram">${histogram}</div>
<h3>Pass rate per check</h3>
<table class="rates"><thead><tr><th>check</th><th>passed</th><th>rate</th></tr></thead><tbody>${rates}</tbody></table>`;
}

function sizeChart(grades: GradesDocument): string {
  const built = grades.submissions.filter((s) => s.imageBytes !== undefined);
  const { referenceBytes, baselineBytes, thresholdBytes } = grades.reference;
  if (!built.length) return `<h2>Image sizes</h2><p>No image was built.</p>`;
  const barWidth = 28;
  const gap = 10;
  const height = 260;
  const left = 20;
  const labels = 110;
  // Room on the right for the last rotated label.
  const width = left + built.length * (barWidth + gap) + 90;
  const top = Math.max(thresholdBytes, baselineBytes, referenceBytes, ...built.map((s) => s.imageBytes!)) * 1.08;
  const y = (bytes: number): number => Math.round(height - (bytes / top) * height) + 10;
  const line = (bytes: number, cls: string): string => `<line class="${cls}" x1="${left - 5}" x2="${width - 10}" y1="${y(bytes)}" y2="${y(bytes)}"/>`;
  const bars = built
    .map((s, i) => {
      const bytes = s.imageBytes!;
      const x = left + i * (barWidth + gap);
      const ok = bytes <= thresholdBytes;
      const name = s.id.length > 16 ? `${s.id.slice(0, 15)}…` : s.id;
      return (
        `<rect class="size-bar ${ok ? "under" : "over"}" data-id="${escapeHtml(s.id)}" x="${x}" y="${y(bytes)}" width="${barWidth}" height="${height + 10 - y(bytes)}"><title>${escapeHtml(s.id)}: ${mb(bytes)}</title></rect>` +
        `<text class="bar-label" transform="translate(${x + barWidth / 2 + 4},${height + 16}) rotate(55)">${escapeHtml(name)}</text>`
      );
    })
    .join("");
  return `<h2>Image sizes</h2>
<p>Each bar is one submission's image (hover for its size); green at or under the threshold, red above.</p>
<svg class="sizes" role="img" aria-label="image sizes" width="${width}" height="${height + 10 + labels}" viewBox="0 0 ${width} ${height + 10 + labels}">
${bars}
${line(thresholdBytes, "threshold")}
${line(referenceBytes, "reference")}
${line(baselineBytes, "baseline")}
</svg>
<ul class="legend">
<li><span class="key threshold"></span> threshold ${mb(thresholdBytes)} (${escapeHtml(grades.reference.thresholdRule)})</li>
<li><span class="key reference"></span> reference solution ${mb(referenceBytes)}</li>
<li><span class="key baseline"></span> single-stage baseline ${mb(baselineBytes)}</li>
</ul>`;
}

function submissionSection(s: SubmissionGrade): string {
  const rows = s.checks
    .map(
      (c) =>
        `<tr class="${c.passed ? "pass" : "fail"}"><td>${c.passed ? "✓" : "✗"}</td><td><code>${escapeHtml(c.id)}</code></td><td>${c.points}/${c.maxPoints}</td><td><pre>${escapeHtml(capText(c.message, 4000))}</pre>${!c.passed && c.hint ? `<p class="hint">Hint: ${escapeHtml(c.hint)}</p>` : ""}</td></tr>`,
    )
    .join("");
  const size = s.imageBytes !== undefined ? ` · image ${mb(s.imageBytes)} (${escapeHtml(s.architecture ?? "?")})` : "";
  return `<details class="submission"${s.score === s.maxScore ? "" : " open"}><summary><b>${escapeHtml(s.id)}</b> — ${s.score}/${s.maxScore}${size}${s.graderError ? ' <span class="error">grader error</span>' : ""}</summary>
<table class="checks"><tbody>${rows}</tbody></table></details>`;
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}.meta{color:#57606a}
.numbers b{font-size:1.2rem}
.histogram{display:flex;align-items:flex-end;gap:6px;height:150px;padding:8px 0}
.hist-col{display:flex;flex-direction:column;align-items:center;justify-content:flex-end;width:34px}
.hist-bar{width:26px;background:#0969da;border-radius:3px 3px 0 0;min-height:1px}.hist-col small{color:#57606a}
table{border-collapse:collapse}td,th{padding:4px 10px;text-align:left;vertical-align:top}
.rate{display:inline-block;width:160px;height:10px;background:#eee;border-radius:5px;vertical-align:middle}.rate div{height:10px;background:#1a7f37;border-radius:5px}
svg.sizes{background:#fafbfc;border:1px solid #eee}.size-bar.under{fill:#2da44e}.size-bar.over{fill:#cf222e}
line.threshold{stroke:#bf8700;stroke-width:2}line.reference{stroke:#0969da;stroke-dasharray:6 4}line.baseline{stroke:#8250df;stroke-dasharray:2 4}
text{font-size:11px;fill:#57606a}
.legend{list-style:none;padding:0;color:#57606a}.legend li{margin:2px 0}.key{display:inline-block;width:28px;margin-right:6px;vertical-align:middle;border-top:2px solid}
.key.threshold{border-color:#bf8700}.key.reference{border-top:2px dashed #0969da}.key.baseline{border-top:2px dotted #8250df}
table.checks code{white-space:nowrap}
details.submission{border:1px solid #ddd;border-radius:6px;margin:8px 0;padding:6px 10px}summary{cursor:pointer}
tr.pass td:first-child{color:#1a7f37}tr.fail td:first-child{color:#cf222e;font-weight:bold}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font:13px/1.4 ui-monospace,monospace}.hint{margin:4px 0 0;color:#57606a}
.error{color:#cf222e}
`;
