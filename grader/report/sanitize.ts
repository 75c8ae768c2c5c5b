const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;
// Characters XML 1.0 forbids: C0 controls but tab/newline/return, U+FFFE/U+FFFF, unpaired surrogates.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** C0 controls, DEL and C1 controls: what can move a cursor, redraw a screen, end a line or hide text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * The one scrubber of control characters: each is replaced (by `replacement`, or what it returns for the
 * character) unless it is in `keep` — each output keeps what it can show safely (a log its newlines, a page its
 * tabs too).
 */
export function replaceControls(text: string, keep: string, replacement: string | ((control: string) => string)): string {
  return text.replace(CONTROL, (c) => (keep.includes(c) ? c : typeof replacement === "string" ? replacement : replacement(c)));
}

/** Keeps the head and the tail of long text, saying how much was cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor((max - 40) / 2);
  return `${text.slice(0, half)}\n[… ${text.length - 2 * half} characters cut …]\n${text.slice(-half)}`;
}

/**
 * Makes untrusted text safe inside an XML document, CDATA included: no ANSI escapes, no characters XML
 * forbids, no `]]>` (which would end a CDATA section early), and no more than `max` characters.
 */
export function sanitizeForXml(text: string, max = 8000): string {
  return capText(text.replace(ANSI, "").replace(XML_INVALID, "\ufffd").replace(/]]>/g, "]]\u200b>"), max);
}

/**
 * Untrusted multi-line text for a terminal or a CI log: escape sequences removed and other control characters
 * (carriage returns included) shown as `?`, so nothing can redraw the screen or start a line of its own — in
 * GitHub Actions a log line that starts with `::` is a workflow command.
 */
export function sanitizeForLog(text: string): string {
  return replaceControls(stripAnsi(text), "\n", "?");
}

/** Makes untrusted text safe for a terminal line: no escape sequences or control characters, one line. */
export function sanitizeForTerminal(text: string, max = 60): string {
  const clean = replaceControls(stripAnsi(text), "", "?");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
