import protobuf from "protobufjs";

/**
 * The part of BuildKit's status stream lab-grader reads. Through the engine API (`POST /build?version=2`) each
 * progress update arrives as `{"id":"moby.buildkit.trace","aux":"<base64>"}`, the base64 of a protobuf
 * `moby.buildkit.v1.StatusResponse` (moby/buildkit api/services/control/control.proto). Fields not listed here
 * (progress groups, source locations of warnings) are skipped by the decoder.
 */
const schema = protobuf.Root.fromJSON({
  nested: {
    Timestamp: { fields: { seconds: { type: "int64", id: 1 }, nanos: { type: "int32", id: 2 } } },
    Vertex: {
      fields: {
        digest: { type: "string", id: 1 },
        inputs: { rule: "repeated", type: "string", id: 2 },
        name: { type: "string", id: 3 },
        cached: { type: "bool", id: 4 },
        started: { type: "Timestamp", id: 5 },
        completed: { type: "Timestamp", id: 6 },
        error: { type: "string", id: 7 },
      },
    },
    VertexStatus: {
      fields: {
        ID: { type: "string", id: 1 },
        vertex: { type: "string", id: 2 },
        name: { type: "string", id: 3 },
        current: { type: "int64", id: 4 },
        total: { type: "int64", id: 5 },
      },
    },
    VertexLog: {
      fields: {
        vertex: { type: "string", id: 1 },
        timestamp: { type: "Timestamp", id: 2 },
        stream: { type: "int64", id: 3 },
        msg: { type: "bytes", id: 4 },
      },
    },
    VertexWarning: {
      fields: {
        vertex: { type: "string", id: 1 },
        level: { type: "int64", id: 2 },
        short: { type: "bytes", id: 3 },
        detail: { rule: "repeated", type: "bytes", id: 4 },
        url: { type: "string", id: 5 },
      },
    },
    StatusResponse: {
      fields: {
        vertexes: { rule: "repeated", type: "Vertex", id: 1 },
        statuses: { rule: "repeated", type: "VertexStatus", id: 2 },
        logs: { rule: "repeated", type: "VertexLog", id: 3 },
        warnings: { rule: "repeated", type: "VertexWarning", id: 4 },
      },
    },
  },
});

const StatusResponse = schema.lookupType("StatusResponse");

interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface StatusUpdate {
  vertexes: { digest: string; name: string; cached: boolean; started?: Timestamp; completed?: Timestamp; error: string }[];
  logs: { vertex: string; timestamp?: Timestamp; msg: Uint8Array }[];
  warnings: { vertex: string; short: Uint8Array }[];
}

/** Decodes the `aux` of a `moby.buildkit.trace` message. Throws on bytes that are not a StatusResponse. */
export function decodeStatus(aux: string): StatusUpdate {
  const message = StatusResponse.decode(Buffer.from(aux, "base64"));
  return StatusResponse.toObject(message, { longs: Number, defaults: true }) as unknown as StatusUpdate;
}

/** The inverse of decodeStatus, for tests that need a stream of their own. */
export function encodeStatus(update: { [field: string]: unknown }): string {
  return Buffer.from(StatusResponse.encode(StatusResponse.fromObject(update)).finish()).toString("base64");
}

interface VertexState {
  number: number;
  name: string;
  started?: number;
  announced: boolean;
  finished: boolean;
  /** Taken from the engine's cache, not run. */
  cached?: boolean;
  error?: string;
  /** The vertex's own output, newest last, capped. */
  lines: string[];
  partial: string;
}

/** What a failed build step said: the step as BuildKit names it, its error and its last output lines. */
export interface FailedStep {
  name: string;
  error: string;
  lastLines: string[];
}

const KEEP_LINES = 40;
/** A step's output is untrusted: a line longer than this is cut, and a line that never ends is let out in pieces. */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Turns BuildKit status updates into the plain text `docker build --progress=plain` prints: a `#N name` line per
 * step as it starts, its output as `#N <seconds> <line>`, and `#N CACHED`, `#N DONE <s>s` or `#N ERROR: …`.
 */
export class BuildkitProgress {
  private readonly vertexes = new Map<string, VertexState>();

  /** Applies one update and returns the lines of plain text it adds. */
  apply(update: StatusUpdate): string[] {
    const out: string[] = [];
    for (const v of update.vertexes) {
      const state = this.vertex(v.digest, v.name);
      if (v.name) state.name = v.name;
      if (v.started && state.started === undefined) state.started = seconds(v.started);
      if (!state.announced && (v.started || v.cached || v.completed)) {
        state.announced = true;
        out.push(`#${state.number} ${state.name}`);
      }
      if (state.finished) continue;
      if (v.cached) {
        state.finished = true;
        state.cached = true;
        out.push(`#${state.number} CACHED`);
      } else if (v.completed) {
        state.finished = true;
        if (state.partial) out.push(...this.emit(state, state.partial, undefined));
        if (v.error) {
          state.error = v.error.slice(0, MAX_LINE_CHARS);
          out.push(`#${state.number} ERROR: ${state.error}`);
        } else {
          out.push(`#${state.number} DONE ${(seconds(v.completed) - (state.started ?? seconds(v.completed))).toFixed(1)}s`);
        }
      }
    }
    for (const log of update.logs) {
      const state = this.vertex(log.vertex, "");
      const text = state.partial + Buffer.from(log.msg).toString("utf8");
      const pieces = text.split(/\r?\n/);
      state.partial = pieces.pop() ?? "";
      if (state.partial.length > MAX_LINE_CHARS) {
        pieces.push(state.partial);
        state.partial = "";
      }
      for (const piece of pieces) out.push(...this.emit(state, piece.slice(0, MAX_LINE_CHARS), log.timestamp));
    }
    for (const warning of update.warnings) {
      const state = this.vertex(warning.vertex, "");
      out.push(`#${state.number} WARN: ${Buffer.from(warning.short).toString("utf8").slice(0, MAX_LINE_CHARS)}`);
    }
    return out;
  }

  /** The step started last that has not ended: where a build stopped from outside (timeout, disk budget) was. */
  runningStep(): string | undefined {
    let latest: VertexState | undefined;
    for (const state of this.vertexes.values()) {
      if (state.started !== undefined && !state.finished && (!latest || state.started >= latest.started!)) latest = state;
    }
    return latest?.name;
  }

  /** How many of the Dockerfile's RUN, COPY and ADD steps the engine took from its cache. */
  reusedSteps(): number {
    return [...this.vertexes.values()].filter((state) => state.cached && /^\[[^\]]+\] (RUN|COPY|ADD)\b/.test(state.name)).length;
  }

  /** The first step that ended in an error, if any. */
  failedStep(): FailedStep | undefined {
    for (const state of this.vertexes.values()) {
      if (state.error !== undefined) return { name: state.name, error: state.error, lastLines: [...state.lines] };
    }
    return undefined;
  }

  private vertex(digest: string, name: string): VertexState {
    let state = this.vertexes.get(digest);
    if (!state) {
      state = { number: this.vertexes.size + 1, name, announced: false, finished: false, lines: [], partial: "" };
      this.vertexes.set(digest, state);
    }
    return state;
  }

  private emit(state: VertexState, line: string, at: Timestamp | undefined): string[] {
    state.lines.push(line);
    if (state.lines.length > KEEP_LINES) state.lines.shift();
    const elapsed = at && state.started !== undefined ? ` ${Math.max(0, seconds(at) - state.started).toFixed(3)}` : "";
    return [`#${state.number}${elapsed} ${line}`];
  }
}

function seconds(t: Timestamp): number {
  return Number(t.seconds) + t.nanos / 1e9;
}
