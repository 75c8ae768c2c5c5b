import { renderHtmlReport } from "../../grader/report/html";
import { ensureChromium, measureLayout } from "../helpers/chromium";
import { classGrades } from "../helpers/class-grades";

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
}

interface Layout {
  clientWidth: number;
  scrollWidth: number;
  /** Elements past the window's right edge that no scroll container clips. */
  outside: string[];
  /** Open submission cards whose content is wider than the card. */
  overflowingCards: string[];
  openCards: number;
  /** Axis labels that are shown, left to right. */
  ticks: (Box & { text: string })[];
  bars: { id: string; bar: Box; track: Box }[];
  markers: { cls: string; line: Box; label: Box }[];
  chart: Box;
  noImage: Box;
}

// Runs in the wrapper page around the report (whose own CSP forbids scripts); `doc` is the report.
const PROBE = `(doc) => {
  const view = doc.defaultView;
  const root = doc.documentElement;
  const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; };
  const clipped = (el) => { for (let p = el.parentElement; p && p !== doc.body; p = p.parentElement) if (view.getComputedStyle(p).overflowX !== "visible") return true; return false; };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + ": " + el.textContent.slice(0, 40);
  return {
    clientWidth: root.clientWidth,
    scrollWidth: root.scrollWidth,
    outside: [...doc.body.querySelectorAll("*")].filter((el) => box(el).right > root.clientWidth + 0.5 && !clipped(el)).map(name),
    overflowingCards: [...doc.querySelectorAll("details.submission[open]")].filter((d) => d.scrollWidth > d.clientWidth).map((d) => d.id),
    openCards: doc.querySelectorAll("details.submission[open]").length,
    ticks: [...doc.querySelectorAll(".size-axis span")].filter((t) => view.getComputedStyle(t).visibility === "visible").map((t) => ({ ...box(t), text: t.textContent })),
    bars: [...doc.querySelectorAll(".size-bar")].map((b) => ({ id: b.dataset.id, bar: box(b), track: box(b.parentElement) })),
    markers: ["threshold", "reference", "baseline"].map((cls) => ({ cls, line: box(doc.querySelector(".marker." + cls)), label: box(doc.querySelector(".marker-label." + cls + " span")) })),
    chart: box(doc.querySelector(".size-chart")),
    noImage: box(doc.querySelector(".no-image")),
  };
}`;

const grades = classGrades();
const html = renderHtmlReport(grades);
const layouts = new Map<number, Layout>();

beforeAll(() => {
  ensureChromium();
  for (const width of [400, 1280]) layouts.set(width, measureLayout<Layout>(html, width, PROBE));
}, 240_000);

describe.each([
  ["a phone", 400],
  ["a desktop", 1280],
])("report.html on %s (%i px wide), laid out by headless Chromium", (_screen, width) => {
  let layout: Layout;
  beforeAll(() => {
    layout = layouts.get(width)!;
  });

  it("is no wider than the window: nothing outside a scroll container runs past its edge", () => {
    // A classic scrollbar may take some of the width; the page must fit what is left.
    expect(layout.clientWidth).toBeGreaterThan(width - 20);
    expect(layout.clientWidth).toBeLessThanOrEqual(width);
    expect({ scrollWidth: layout.scrollWidth, outside: layout.outside }).toEqual({ scrollWidth: layout.clientWidth, outside: [] });
  });

  it("keeps every check's feedback inside its card", () => {
    expect(layout.openCards).toBe(grades.submissions.filter((s) => s.score < s.maxScore).length);
    expect(layout.overflowingCards).toEqual([]);
  });

  it("writes axis labels from 0 that stand apart", () => {
    expect(layout.ticks[0].text).toBe("0");
    expect(layout.ticks.length).toBeGreaterThanOrEqual(3);
    layout.ticks.slice(1).forEach((tick, i) => expect(tick.left - layout.ticks[i].right).toBeGreaterThanOrEqual(6));
  });

  it("draws each bar as long as its image is large, and labels each line beside it", () => {
    const bytes = new Map(grades.submissions.map((s) => [s.id, s.imageBytes]));
    const axisMaxBytes = 1250e6;
    expect(layout.bars).toHaveLength(grades.submissions.filter((s) => s.imageBytes !== undefined).length);
    for (const { id, bar, track } of layout.bars) {
      expect(bar.left).toBeCloseTo(track.left, 0);
      expect(Math.abs(bar.width - (bytes.get(id)! / axisMaxBytes) * track.width)).toBeLessThan(1.5);
    }
    for (const { line, label } of layout.markers) {
      expect(Math.abs(label.left - line.right)).toBeLessThan(4);
      expect(line.top).toBeLessThanOrEqual(label.top);
      expect(line.bottom).toBeGreaterThan(layout.bars.at(-1)!.bar.bottom);
    }
  });
});

it("lists the submissions without an image beside the size chart on a desktop, below it on a phone", () => {
  const desktop = layouts.get(1280)!;
  expect(desktop.noImage.left).toBeGreaterThanOrEqual(desktop.chart.right);
  expect(desktop.noImage.top).toBeLessThan(desktop.chart.bottom);
  const phone = layouts.get(400)!;
  expect(phone.noImage.top).toBeGreaterThanOrEqual(phone.chart.bottom);
});
