import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureDebianTool } from "./debian-tool";

/** Debian's headless Chromium, installed when missing. */
export function ensureChromium(): void {
  ensureDebianTool("chromium", "chromium");
}

// Offline machine: no background traffic, no first-run work, a fresh profile.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Runs Chromium with a profile folder of its own, removed afterwards. */
function withProfile<T>(run: (profileFlag: string) => T): T {
  const profile = mkdtempSync(path.join(tmpdir(), "chromium-"));
  try {
    return run(`--user-data-dir=${profile}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM Chromium builds from `file`, serialised. */
export function renderedDom(file: string): string {
  return withProfile((profile) =>
    execFileSync("chromium", [...FLAGS, profile, "--dump-dom", `file://${file}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 60_000,
    }),
  );
}

/** A PNG screenshot of `file` at `png`: the top `size` ("width,height") of the page; `extraFlags` go to Chromium. */
export function screenshot(file: string, png: string, size = "1280,2400", extraFlags: string[] = []): void {
  withProfile((profile) =>
    execFileSync("chromium", [...FLAGS, ...extraFlags, profile, `--screenshot=${png}`, `--window-size=${size}`, `file://${file}`], {
      stdio: "ignore",
      timeout: 60_000,
    }),
  );
}

/**
 * What `probe` (the source of a JavaScript function of a Document) returns for the page `html` laid out `width`
 * CSS pixels wide. The page is the srcdoc of an iframe that wide, measured by a script in the wrapper page around
 * it, so a page whose own CSP forbids scripts is measured as it is; the result comes back through --dump-dom.
 */
export function measureLayout<T>(html: string, width: number, probe: string): T {
  const dir = mkdtempSync(path.join(tmpdir(), "layout-"));
  const wrapper = path.join(dir, "wrapper.html");
  const srcdoc = html.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  writeFileSync(
    wrapper,
    `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<style>body{margin:0}iframe{display:block;border:0;width:${width}px;height:900px}</style></head>
<body><pre id="layout-result"></pre><iframe srcdoc="${srcdoc}"></iframe>
<script>
addEventListener("load", () => {
  let result;
  try { result = (${probe})(document.querySelector("iframe").contentDocument); } catch (error) { result = { probeError: String(error) }; }
  document.getElementById("layout-result").textContent = JSON.stringify(result);
});
</script></body></html>`,
  );
  let dom: string;
  try {
    dom = execFileSync(
      "chromium",
      [
        ...FLAGS,
        `--user-data-dir=${path.join(dir, "profile")}`,
        `--window-size=${width},1000`,
        "--virtual-time-budget=10000",
        "--dump-dom",
        `file://${wrapper}`,
      ],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 60_000,
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const text = /<pre id="layout-result">([^<]*)<\/pre>/.exec(dom)?.[1];
  if (!text) throw new Error(`the layout probe reported nothing; Chromium's DOM began: ${dom.slice(0, 300)}`);
  const result = JSON.parse(
    text
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&nbsp;/g, "\u00a0")
      .replace(/&amp;/g, "&"),
  );
  if (result?.probeError) throw new Error(`the layout probe failed: ${result.probeError}`);
  return result as T;
}
