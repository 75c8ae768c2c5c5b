import { mkdirSync } from "node:fs";
import { atomicWrite } from "../common/atomic-write";
import path from "node:path";
import { renderGradesCsv, type CsvOptions } from "./csv";
import type { GradesDocument } from "./grades";
import { renderHtmlReport } from "./html";
import { renderJunit } from "./junit";
import { renderClassSummary } from "./summary-markdown";

/**
 * Every output of a run, each written atomically: junit.xml, grades.csv, summary.md, report.html, and last
 * results.json, which records how long writing the others took (`grader.reportMs`).
 */
export function writeOutputs(outDir: string, grades: GradesDocument, csv: CsvOptions = {}): void {
  const started = Date.now();
  mkdirSync(outDir, { recursive: true });
  atomicWrite(path.join(outDir, "junit.xml"), renderJunit(grades));
  atomicWrite(path.join(outDir, "grades.csv"), renderGradesCsv(grades, csv));
  atomicWrite(path.join(outDir, "summary.md"), renderClassSummary(grades));
  atomicWrite(path.join(outDir, "report.html"), renderHtmlReport(grades));
  const document: GradesDocument = { ...grades, grader: { ...grades.grader, reportMs: Date.now() - started } };
  atomicWrite(path.join(outDir, "results.json"), `${JSON.stringify(document, null, 2)}\n`);
}
