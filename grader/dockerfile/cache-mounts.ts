import { DockerfileParser, type Instruction } from "dockerfile-ast";

/** A Dockerfile whose cache mounts were scoped, and the way back for what the engine says of its lines. */
export interface ScopedDockerfile {
  text: string;
  /** `said` with each rewritten `--mount` value as the student wrote it (build logs and errors quote the lines). */
  unscope(said: string): string;
}

/**
 * The Dockerfile with every `RUN --mount=type=cache` given an id of `scope`'s own: `id=<scope>-<its id>`, or
 * `<scope>-<its target>` where it had none (BuildKit's default id is the target). BuildKit keeps a cache mount's
 * files by id for every build on the engine, so without this one submission's build reads — and can plant — what
 * another's wrote there. Returns undefined when the Dockerfile has no cache mount.
 */
export function scopeCacheMounts(text: string, scope: string): ScopedDockerfile | undefined {
  const lines = text.split("\n");
  const edits: { range: Range; value: string; original: string }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() !== "RUN") continue;
    for (const flag of (instruction as Instruction & { getFlags(): MountFlag[] }).getFlags()) {
      const range = flag.getValueRange();
      const value = flag.getValue();
      if (flag.getName().toLowerCase() !== "mount" || !range || value === null) continue;
      const scoped = scopedMount(value, scope);
      if (scoped !== undefined) edits.push({ range, value: scoped, original: value });
    }
  }
  if (!edits.length) return undefined;
  // From the last edit back, so that earlier edits keep their offsets. A value continued over lines (`\` at a
  // line's end) is written whole on its first line; the lines it took become comments, which Docker skips inside
  // an instruction, so every later line keeps its number.
  for (const { range, value } of [...edits].reverse()) {
    const { start, end } = range;
    lines[start.line] = lines[start.line].slice(0, start.character) + value + lines[end.line].slice(end.character);
    for (let line = start.line + 1; line <= end.line; line++) lines[line] = "#";
  }
  return {
    text: lines.join("\n"),
    unscope: (said) => edits.reduce((out, edit) => out.split(edit.value).join(edit.original), said),
  };
}

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

interface MountFlag {
  getName(): string;
  getValue(): string | null;
  getValueRange(): Range | null;
}

/** A `--mount` value with its id scoped, when it is a cache mount; undefined for any other mount. */
export function scopedMount(value: string, scope: string): string | undefined {
  const fields = splitFields(value);
  const option = (field: string) => {
    const equals = field.indexOf("=");
    return equals < 0
      ? { key: field.trim().toLowerCase(), value: "" }
      : { key: field.slice(0, equals).trim().toLowerCase(), value: field.slice(equals + 1) };
  };
  if (unquote(fields.map(option).find((o) => o.key === "type")?.value ?? "") !== "cache") return undefined;
  const target = fields.map(option).find((o) => ["target", "dst", "destination"].includes(o.key));
  const id = fields.findIndex((field) => option(field).key === "id");
  const own = id >= 0 ? unquote(option(fields[id]).value) : unquote(target?.value ?? "");
  const scopedId = `id=${quote(`${scope}-${own}`)}`;
  if (id >= 0) fields[id] = scopedId;
  else fields.push(scopedId);
  return fields.join(",");
}

/** A mount's comma-separated fields, commas inside double quotes kept (BuildKit reads the value as CSV). */
function splitFields(value: string): string[] {
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    if (char === "," && !quoted) {
      fields.push(current);
      current = "";
    } else current += char;
  }
  fields.push(current);
  return fields;
}

const unquote = (value: string): string => value.trim().replace(/"/g, "");
const quote = (value: string): string => (/[",\s]/.test(value) ? `"${value.replace(/"/g, "")}"` : value);
