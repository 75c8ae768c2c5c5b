import { replaceControls, sanitizeForLog, sanitizeForTerminal } from "./sanitize";

describe("replaceControls", () => {
  const text = "a\tb\nc\rd\u001b[2Je\u0085f\u007f";

  it("replaces C0, DEL and C1 controls but those each output keeps", () => {
    expect(replaceControls(text, "", "?")).toBe("a?b?c?d?[2Je?f?");
    expect(replaceControls(text, "\t\n", "?")).toBe("a\tb\nc?d?[2Je?f?");
    expect(replaceControls("x\u0001", "", (c) => `<${c.charCodeAt(0)}>`)).toBe("x<1>");
  });

  it("is what the log and terminal scrubbers apply, after the escape sequences go", () => {
    expect(sanitizeForLog(text)).toBe("a?b\nc?de?f?");
    expect(sanitizeForTerminal(text)).toBe("a?b?c?de?f?");
  });
});
