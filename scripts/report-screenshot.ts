/**
 * Screenshots of report.html for the README (docs/report-html.md says when and how to run it):
 *
 *   npm run report-screenshot -- [results.json] [--out DIR]
 *
 * With a results.json (a real run's: `npm run grade` writes reports/results.json) the report of that run is shot;
 * without, the generated class of 30 the layout tests use (test/helpers/class-grades.ts). Writes report.png
 * (1280 px wide, the top of the page) and report-phone.png (400 px) into DIR (default docs/images), quantised with
 * Debian's pngquant so each stays well under 300 KB.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { GradesDocument } from "../grader/report/grades";
import { renderHtmlReport } from "../grader/report/html";
import { ensureDebianTool } from "../test/helpers/debian-tool";
import { ensureChromium, screenshot } from "../test/helpers/chromium";
import { classGrades } from "../test/helpers/class-grades";

const SHOTS = [
  { name: "report.png", size: "1280,1700" },
  { name: "report-phone.png", size: "400,1500" },
];

function parseArgs(argv: string[]): { results?: string; out: string } {
  let results: string | undefined;
  let out = "docs/images";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i] ?? out;
    else if (argv[i].startsWith("-")) throw new Error(`unknown option ${argv[i]}; usage: report-screenshot [results.json] [--out DIR]`);
    else results = argv[i];
  }
  return { results, out };
}

/** 256 colours in place: a page of flat colours and text loses nothing visible and about two thirds of its bytes. */
function quantise(png: string): void {
  const result = spawnSync("pngquant", ["--force", "--skip-if-larger", "--strip", "--output", png, "--", png], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  // 98 and 99: the quantised file would be larger, or worse than the default quality floor; the original stays.
  if (result.status !== 0 && result.status !== 98 && result.status !== 99)
    throw new Error(`pngquant ${png} failed (${result.status ?? result.signal})`);
}

function main(): void {
  const { results, out } = parseArgs(process.argv.slice(2));
  const grades: GradesDocument = results ? (JSON.parse(readFileSync(results, "utf8")) as GradesDocument) : classGrades();
  ensureChromium();
  ensureDebianTool("pngquant", "pngquant");
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), "report-screenshot-"));
  try {
    const html = path.join(dir, "report.html");
    writeFileSync(html, renderHtmlReport(grades));
    for (const shot of SHOTS) {
      const png = path.join(out, shot.name);
      screenshot(html, png, shot.size, ["--hide-scrollbars"]);
      quantise(png);
      console.log(`${png}: ${shot.size.replace(",", "×")} px, ${Math.round(statSync(png).size / 1024)} KB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
