import type Dockerode from "dockerode";
import { RunImages } from "./run-images";

/** An engine whose image removals end only when the test lets them; it records what was removed, in order. */
function slowEngine() {
  const removed: string[] = [];
  const waiting: (() => void)[] = [];
  const docker = {
    getImage: (ref: string) => ({
      inspect: async () => ({ Id: `sha256:${ref}`, RepoTags: [] }),
      remove: () =>
        new Promise<void>((resolve) =>
          waiting.push(() => {
            removed.push(ref.replace(/^sha256:/, ""));
            resolve();
          }),
        ),
    }),
  } as unknown as Dockerode;
  const finishRemovals = async () => {
    await ticks();
    while (waiting.length) {
      waiting.shift()!();
      await ticks();
    }
  };
  return { docker, removed, finishRemovals };
}

/** Lets every callback already due run. */
const ticks = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

const settled = async <T>(promise: Promise<T>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await ticks();
  return done;
};

describe("RunImages with an engine that removes slowly", () => {
  it("starts a build only once the removal under way has ended, and removes nothing more from its base while it runs", async () => {
    const { docker, removed, finishRemovals } = slowEngine();
    const images = new RunImages(docker);
    const first = await images.startBuild(["sha256:base"]);
    first.used("aaaaaaaaaaaa");
    first.used("bbbbbbbbbbbb");
    await first.done();

    const releasing = images.release({ tag: "lab/alice:run", chain: ["aaaaaaaaaaaa", "bbbbbbbbbbbb"], bases: ["sha256:base"] });
    await ticks();
    const starting = images.startBuild(["sha256:base"]);
    expect(await settled(starting)).toBe(false);

    await finishRemovals();
    const second = await starting;
    await releasing;
    expect(removed).toEqual(["lab/alice:run"]);

    const ending = second.done();
    await finishRemovals();
    await ending;
    expect(removed).toEqual(["lab/alice:run", "bbbbbbbbbbbb", "aaaaaaaaaaaa"]);
  });

  it("removes what a build from another base could never reuse while that build runs", async () => {
    const { docker, removed, finishRemovals } = slowEngine();
    const images = new RunImages(docker);
    const first = await images.startBuild(["sha256:base"]);
    first.used("aaaaaaaaaaaa");
    await first.done();
    const other = await images.startBuild(["sha256:other"]);

    const releasing = images.release({ tag: "lab/alice:run", chain: ["aaaaaaaaaaaa"], bases: ["sha256:base"] });
    await finishRemovals();
    await releasing;
    expect(removed).toEqual(["lab/alice:run", "aaaaaaaaaaaa"]);
    await other.done();
  });
});
