import { parse } from "csv-parse/sync";
import type { GradesDocument } from "./grades";
import { neutralizeCell, renderCsv, renderGradesCsv } from "./csv";

const check = (id: string, points: number, maxPoints: number) => ({ id, passed: points === maxPoints, points, maxPoints, message: "m" });

const grades = {
  lab: { id: "lab42", title: "t", file: "f" },
  submissions: [
    { id: '=HYPERLINK("http://evil.invalid","x")', score: 3, maxScore: 4, checks: [check("a", 2, 2), check("b", 1, 2)] },
    { id: 'o\'brien, "jr"\nnewline', score: 0, maxScore: 4, checks: [check("a", 0, 2), check("b", 0, 2)] },
  ],
} as unknown as GradesDocument;

describe("renderGradesCsv", () => {
  it("writes a header and one row per submission with each check's points", () => {
    const rows = parse(renderGradesCsv(grades)) as string[][];
    expect(rows[0]).toEqual(["id", "score", "max", "a", "b"]);
    expect(rows[1]).toEqual(['\'=HYPERLINK("http://evil.invalid","x")', "3", "4", "2", "1"]);
    expect(rows[2]).toEqual(['o\'brien, "jr"\nnewline', "0", "4", "0", "0"]);
  });
});

describe("a byte order mark", () => {
  it("starts grades.csv only when asked", () => {
    expect(renderGradesCsv(grades).startsWith('"id"')).toBe(true);
    const withBom = renderGradesCsv(grades, { bom: true });
    expect(withBom.startsWith('\ufeff"id"')).toBe(true);
    expect((parse(withBom, { bom: true }) as string[][])[0][0]).toBe("id");
  });
});

describe("renderCsv", () => {
  it("quotes a cell only when it must, a line break included", () => {
    const csv = renderCsv([["    Points Possible", "a\nb", "c\rd", "x,y", 'q"', "", "zoë"]]);
    expect(csv).toBe('    Points Possible,"a\nb","c\rd","x,y","q""",,zoë\r\n');
    expect(parse(csv)).toEqual([["    Points Possible", "a\nb", "c\rd", "x,y", 'q"', "", "zoë"]]);
  });
});

describe("neutralizeCell", () => {
  it.each(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])("prefixes %j", (value) => {
    expect(neutralizeCell(value)).toBe(`'${value}`);
  });

  it("leaves ordinary text alone", () => {
    expect(neutralizeCell("alice = 1")).toBe("alice = 1");
  });
});
