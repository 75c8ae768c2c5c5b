import type Dockerode from "dockerode";
import type { BuildStep } from "../engine/build";

/** A submission's images: its tag and every image its build committed or reused, in step order. */
export interface SubmissionImages {
  tag: string;
  /** Short ids (12 hex digits) of the images of the build's steps, base images (FROM) excluded. */
  chain: string[];
}

/** The images of a build, from the steps it ran: FROM steps name base images or earlier stages, never ours. */
export function submissionImages(tag: string, steps: BuildStep[]): SubmissionImages {
  const chain: string[] = [];
  for (const step of steps) {
    if (!/^FROM\s/i.test(step.instruction) && step.imageId && !chain.includes(step.imageId)) chain.push(step.imageId);
  }
  return { tag, chain };
}

interface Freed {
  /** An image's short id, or the submission's tag. */
  ref: string;
  tag: boolean;
  /** The chain it was freed from: builds in flight that stand on any of it may be about to reuse it. */
  chain: Set<string>;
}

/**
 * Removes what submissions' builds leave, without pulling an image from under another build. The classic
 * builder reuses any cached image on the engine, and students' answers often share whole stages (the handout's
 * builder stage, its app.py and requirements.txt), so builds hold images in common:
 * - every build holds each image it used or made until its submission is released; an image goes only when no
 *   build holds it any more;
 * - a freed image waits while a build in flight has used any image of the same chain: that build is likely to
 *   find the next step of the chain in its cache any moment;
 * - each image is removed on its own, never with its parents: Docker's classic store refuses to remove a parent
 *   that still has children, but the containerd store removes whatever it is asked to, shared parents included.
 * A build that finds an image in the cache in the very milliseconds it is removed fails; gather-facts builds it
 * once more — see lostCachedImage. The builder stage's images go too: they carry no tag and no label.
 */
export class RunImages {
  private readonly holds = new Map<string, number>();
  private readonly inFlight = new Set<Set<string>>();
  /** Freed images still there, oldest first. */
  private readonly pending: Freed[] = [];

  constructor(private readonly docker: Dockerode) {}

  /**
   * Records the images a build uses or makes while it runs; they stay held until the submission is released.
   * Call `done` when the build has ended, however it ended.
   */
  startBuild(): { used: (shortId: string) => void; done: () => Promise<void> } {
    const used = new Set<string>();
    this.inFlight.add(used);
    return {
      used: (id) => {
        const short = shortId(id);
        if (used.has(short)) return;
        used.add(short);
        this.holds.set(short, (this.holds.get(short) ?? 0) + 1);
      },
      done: async () => {
        this.inFlight.delete(used);
        await this.removeFree();
      },
    };
  }

  /** Ends a submission's hold on its images and removes those nobody else holds, and its tag. */
  async release(images: SubmissionImages): Promise<void> {
    const chain = new Set(images.chain);
    for (const id of images.chain) {
      const held = (this.holds.get(id) ?? 1) - 1;
      if (held > 0) this.holds.set(id, held);
      else {
        this.holds.delete(id);
        this.pending.push({ ref: id, tag: false, chain });
      }
    }
    // Last in, so first out: removing the last tag of an image removes the image.
    this.pending.push({ ref: images.tag, tag: true, chain });
    await this.removeFree();
  }

  /** Removes the freed images no build in flight may be about to reuse; also called once the run is over. */
  async removeFree(): Promise<void> {
    // Children before parents (the newest first), so that the classic store can remove each one.
    for (const freed of this.pending.splice(0).reverse()) {
      if (!freed.tag && this.holds.has(freed.ref)) continue;
      if ([...this.inFlight].some((used) => [...freed.chain].some((id) => used.has(id)))) {
        this.pending.unshift(freed);
        continue;
      }
      if (freed.tag) {
        // Forced: when another submission's build made the very same image, only this tag goes.
        await this.docker.getImage(freed.ref).remove({ force: true, noprune: true }).catch(() => undefined);
        continue;
      }
      const image = await this.docker.getImage(freed.ref).inspect().catch(() => undefined);
      // A tagged image is somebody's (a base, the reference, another run's --keep-images): never ours to remove.
      if (!image || (image.RepoTags ?? []).some((t) => t !== "<none>:<none>")) continue;
      // Not forced: an image a container or (on the classic store) a child image still uses stays, for later.
      const removed = await this.docker.getImage(image.Id).remove({ noprune: true }).then(() => true, () => false);
      if (!removed) this.pending.unshift(freed);
    }
  }
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
