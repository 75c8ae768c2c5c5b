import { matchesPattern } from "./pattern";

describe("matchesPattern", () => {
  it("matches as RegExp.test does", () => {
    expect(matchesPattern("^Hello, .+!$", "Hello, Docker!")).toBe(true);
    expect(matchesPattern("^v1\\.", "v2.0")).toBe(false);
  });

  it("stops a pattern that backtracks catastrophically on a crafted text, soon", () => {
    const started = Date.now();
    expect(matchesPattern("^(a+)+$", `${"a".repeat(40)}b`, 200)).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
