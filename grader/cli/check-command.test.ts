import { indent } from "./check-command";

describe("check's output of student text", () => {
  it("never lets a line of a message start at column 0 or carry control characters", () => {
    const hostile = "built\n::set-output name=result::forged\r::error::boom\u001b[2J\ttab";
    const printed = `✓ image-builds  2/2  ${indent(hostile)}`;
    for (const line of printed.split("\n")) expect(line.startsWith("::")).toBe(false);
    expect(printed).not.toMatch(/[\r\u001b\t]/);
    expect(printed).toContain("\n      ::set-output name=result::forged?::error::boom?tab");
  });
});
