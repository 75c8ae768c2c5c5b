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

/**
 * Removes what submissions' builds leave, without pulling an image from under another build. The classic
 * builder reuses any cached image on the engine, and students' answers often share whole stages (the handout's
 * builder stage, its app.py and requirements.txt), so builds hold images in common. Every build holds each image
 * it used or made until its submission is released; an image goes when no build holds it any more. Each image is
 * removed on its own (never with its parents): Docker's classic store refuses to remove a parent that still has
 * children, but the containerd store removes whatever it is asked to, shared parents included.
 * A build that finds an image in the cache in the very milliseconds it is removed fails with "No such image"
 * (or the containerd store's wording); gather-facts builds it once more — see lostCachedImage.
 * The builder stage's images go too: they carry no tag and no label, and nothing else would remove them.
 */
export class RunImages {
  private readonly holds = new Map<string, number>();
  /** Freed images the classic store would not remove yet (a child still stood on them), oldest first. */
  private readonly pending: string[] = [];

  constructor(private readonly docker: Dockerode) {}

  /** Records the images a build uses or makes while it runs; they stay held until the submission is released. */
  startBuild(): { used: (shortId: string) => void } {
    const seen = new Set<string>();
    return {
      used: (id) => {
        const short = shortId(id);
        if (seen.has(short)) return;
        seen.add(short);
        this.holds.set(short, (this.holds.get(short) ?? 0) + 1);
      },
    };
  }

  /** Ends a submission's hold on its images and removes those nobody else holds; its tag always goes. */
  async release(images: SubmissionImages): Promise<void> {
    const free: string[] = [];
    for (const id of images.chain) {
      const held = (this.holds.get(id) ?? 1) - 1;
      if (held > 0) this.holds.set(id, held);
      else {
        this.holds.delete(id);
        free.push(id);
      }
    }
    // By tag and forced: when another submission's build made the very same image, only this tag goes.
    await this.docker.getImage(images.tag).remove({ force: true, noprune: true }).catch(() => undefined);
    this.pending.push(...free);
    await this.removeFree();
  }

  /** Removes what is free and still there; called after each release and once the run is over. */
  async removeFree(): Promise<void> {
    // Children before parents (the newest first), so that the classic store can remove each one.
    for (const id of this.pending.splice(0).reverse()) {
      if (this.holds.has(id)) continue;
      const image = await this.docker.getImage(id).inspect().catch(() => undefined);
      // A tagged image is somebody's (a base, the reference, another run's --keep-images): never ours to remove.
      if (!image || (image.RepoTags ?? []).some((t) => t !== "<none>:<none>")) continue;
      // Not forced: an image a container or (on the classic store) a child image still uses stays, for later.
      const removed = await this.docker.getImage(image.Id).remove({ noprune: true }).then(() => true, () => false);
      if (!removed) this.pending.unshift(id);
    }
  }
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
