import { execFileSync } from "node:child_process";

/**
 * Writes a zip with Python's zipfile, which (unlike JavaScript zip writers) will write the hostile entries
 * real LMS downloads can contain. Each entry: [name, content] or [name, content, "symlink" | "zip-of", …].
 */
export type ZipEntry = { name: string; data?: string; symlinkTo?: string; zeros?: number; zip?: ZipEntry[]; mode?: number };

export function writeZip(file: string, entries: ZipEntry[]): void {
  const script = `
import io, json, stat, sys, zipfile
def build(target, entries):
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for e in entries:
            if "symlinkTo" in e:
                info = zipfile.ZipInfo(e["name"])
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, e["symlinkTo"])
            elif "zip" in e:
                inner = io.BytesIO()
                build(inner, e["zip"])
                z.writestr(e["name"], inner.getvalue())
            elif "zeros" in e:
                with z.open(zipfile.ZipInfo(e["name"]), "w", force_zip64=True) as out:
                    block = bytes(1024 * 1024)
                    for _ in range(e["zeros"] // len(block)):
                        out.write(block)
            else:
                info = zipfile.ZipInfo(e["name"])
                if "mode" in e:
                    info.external_attr = (stat.S_IFREG | e["mode"]) << 16
                z.writestr(info, e.get("data", ""))
build(sys.argv[1], json.loads(sys.stdin.read()))
`;
  execFileSync("python3", ["-c", script, file], { input: JSON.stringify(entries) });
}
