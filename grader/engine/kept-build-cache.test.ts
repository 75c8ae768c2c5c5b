import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import { parentsOf, type CacheRecord } from "./buildkit-cache";
import { keptCacheSize, runOnly, settleRunCache, trimKeptCache, type KeptCache } from "./kept-build-cache";

describe("runOnly", () => {
  it("is a cache mount's files, a build's context and BuildKit's own records; not a step's layer", () => {
    const record = (Type: string, Description: string) => ({ ID: "x", Type, Description });
    expect(runOnly(record("exec.cachemount", "cached mount /root/.cache/pip from exec /bin/sh -c pip install"))).toBe(true);
    expect(runOnly(record("regular", "http url http://build-context-yq24yfl9x68hvewmad43llef5"))).toBe(true);
    expect(runOnly(record("source.local", "local source for context"))).toBe(true);
    expect(runOnly(record("frontend", "pulled from docker.io/docker/dockerfile:1"))).toBe(true);
    expect(runOnly(record("regular", "mount / from exec /bin/sh -c python -m venv /opt/venv"))).toBe(false);
    expect(runOnly(record("regular", "fileop target"))).toBe(false);
  });
});

const MB = 1024 ** 2;

/**
 * An engine's BuildKit cache as the API shows it: `system df` lists the records, `build/prune` with an id filter
 * removes one — unless another record stands on it (names it among its parents), as the engine refuses. A RUN
 * step's layer can be two records of which one is listed (`twins`: listed id → the other): pruning the listed one
 * leaves the other, which is listed from then on.
 */
function fakeEngine(records: CacheRecord[], twins: Record<string, CacheRecord> = {}) {
  const state = { records, pruned: [] as string[] };
  const dial = (options: { path: string; options?: { filters?: { id?: string[] } } }, done: (error: unknown, data: unknown) => void) => {
    if (options.path.startsWith("/system/df")) return done(null, { BuildCache: state.records });
    const id = options.options?.filters?.id?.[0];
    const standsOn = state.records.some((r) => parentsOf(r).includes(id ?? ""));
    if (!id || standsOn) return done(null, { CachesDeleted: [] });
    state.records = state.records.filter((r) => r.ID !== id);
    if (twins[id]) state.records.push(twins[id]);
    state.pruned.push(id);
    done(null, { CachesDeleted: [id], SpaceReclaimed: 1 });
  };
  const info = async () => ({ SystemTime: new Date().toISOString() });
  return {
    docker: { modem: { dial }, info } as unknown as Dockerode,
    get pruned() {
      return state.pruned;
    },
    get records() {
      return state.records;
    },
    /** The engine lists `id`'s twin instead, as when a build builds on the step. */
    flip(id: string) {
      state.records = [...state.records.filter((r) => r.ID !== id), twins[id]];
    },
  };
}

/** Before a run's mark: the user's own builds. */
const BEFORE = "2020-01-01T00:00:00Z";
const MARK = new Date("2020-02-01T00:00:00Z");

const record = (ID: string, sizeMb: number, lastUsed: string, extra: Partial<CacheRecord> = {}) => ({
  ID,
  Type: "regular",
  Description: "mount / from exec /bin/sh -c true",
  Size: sizeMb * MB,
  CreatedAt: ID.startsWith("user") ? BEFORE : "2020-03-01T00:00:00Z",
  LastUsedAt: `2026-12-0${lastUsed}T00:00:00Z`,
  ...extra,
});

describe("the kept cache", () => {
  beforeEach(() => {
    process.env.LAB_GRADER_HOME = mkdtempSync(path.join(tmpdir(), "lab-grader-kept-unit-"));
  });
  afterAll(() => {
    delete process.env.LAB_GRADER_HOME;
  });

  const keep = async (fake: ReturnType<typeof fakeEngine>, ids: string[]): Promise<KeptCache> => {
    const kept = { docker: fake.docker, engineId: "e1" };
    // What a run added since its mark is what it keeps (less what only it could use)
    await settleRunCache(kept, { before: new Set(fake.records.map((r) => r.ID).filter((id) => !ids.includes(id))), since: MARK }, { settleMs: 0 });
    return kept;
  };

  it("keeps what a run added but a cache mount's files and its context, which go", async () => {
    const fake = fakeEngine([
      record("user", 5, "1"),
      record("step", 5, "2"),
      record("mount", 5, "2", { Type: "exec.cachemount" }),
      record("context", 1, "2", { Description: "http url http://build-context-abc" }),
    ]);
    const kept = await keep(fake, ["step", "mount", "context"]);
    expect(fake.pruned.sort()).toEqual(["context", "mount"]);
    expect(await keptCacheSize(kept)).toEqual({ records: 1, bytes: 5 * MB });
  });

  it("reads the listing again for a record a stopped build commits late only when asked to (a run where a build may have been stopped)", async () => {
    const late = record("late-mount", 5, "2", { Type: "exec.cachemount" });
    for (const readAgain of [true, false]) {
      const fake = fakeEngine([record("user", 5, "1"), record("step", 5, "2")]);
      const docker = fake.docker as unknown as { modem: { dial: (o: { path: string }, done: (e: unknown, d: unknown) => void) => void } };
      const dial = docker.modem.dial;
      let listings = 0;
      docker.modem.dial = (options, done) => {
        if (options.path.startsWith("/system/df") && ++listings === 2) fake.records.push(late);
        dial(options, done);
      };
      const kept = { docker: fake.docker, engineId: `e-${readAgain}` };
      await settleRunCache(kept, { before: new Set(["user"]), since: MARK }, { readAgain, settleMs: 0 });
      expect({ readAgain, listings: listings >= 2, pruned: fake.pruned }).toEqual({
        readAgain,
        listings: readAgain,
        pruned: readAgain ? ["late-mount"] : [],
      });
    }
  });

  it("trims least recently used first, skips a record in use, waits for the record standing on another, never touches the user's", async () => {
    const fake = fakeEngine([
      record("user-old", 50, "1"),
      record("oldest", 10, "2"),
      record("base", 10, "3"),
      record("in-use", 10, "4", { InUse: true }),
      record("child", 10, "5", { " Parents": ["base"] }),
      record("newest", 10, "6"),
    ]);
    const kept = await keep(fake, ["oldest", "base", "in-use", "child", "newest"]);
    expect(await keptCacheSize(kept)).toEqual({ records: 5, bytes: 50 * MB });
    const after = await trimKeptCache(kept, 25 * MB);
    // oldest; base is refused while child stands on it; child; then base
    expect(fake.pruned).toEqual(["oldest", "child", "base"]);
    expect(after).toEqual({ records: 2, bytes: 20 * MB, removed: 3 });
    expect(fake.records.map((r) => r.ID).sort()).toEqual(["in-use", "newest", "user-old"]);
  });

  it("trims as far as the room a run needs, and forgets what the engine no longer has", async () => {
    const fake = fakeEngine([record("a", 10, "1"), record("b", 10, "2"), record("c", 10, "3")]);
    const kept = await keep(fake, ["a", "b", "c"]);
    const freeAfter = () => 10 * fake.pruned.length;
    expect(await trimKeptCache(kept, Infinity, () => freeAfter() >= 15)).toEqual({ records: 1, bytes: 10 * MB, removed: 2 });
    expect(fake.pruned).toEqual(["a", "b"]);
    fake.records.splice(0);
    expect(await keptCacheSize(kept)).toEqual({ records: 0, bytes: 0 });
  });

  it("keeps a step's other record, which the engine lists later; a limit of 0 trims it and every record of no size", async () => {
    const venv = record("venv", 10, "2", { " Parents": ["base"] });
    const pip = record("pip", 10, "2");
    // The committed record: the same layer and parents, created a moment later within the run
    const twinOf = (step: CacheRecord, created: string) => ({ ...step, ID: `${step.ID}-committed`, CreatedAt: created });
    const fake = fakeEngine([record("user", 10, "1"), record("base", 0, "1"), venv, pip], {
      venv: twinOf(venv, "2020-03-01T00:00:01Z"),
      pip: twinOf(pip, "2020-03-01T00:00:02Z"),
    });
    const kept = await keep(fake, ["base", "venv", "pip"]);
    // A later build on the step: the engine lists the committed record, which the run never saw
    fake.flip("venv");
    expect((await keptCacheSize(kept)).records).toBe(3);
    // Pruning the listed record of a pair leaves the other listed; clean removes both, and the record of no size
    expect(await trimKeptCache(kept, 0)).toEqual({ records: 0, bytes: 0, removed: 4 });
    expect(fake.records.map((r) => r.ID)).toEqual(["user"]);
  });
});
