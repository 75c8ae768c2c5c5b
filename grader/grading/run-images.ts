import { shortImageId } from "../engine/image-id";
import type Dockerode from "dockerode";
import type { DockerfileFacts } from "../dockerfile/analyze";
import { externalBaseImages } from "../dockerfile/analyze";
import type { BuildStep } from "../engine/build";

/** A submission's images: its tag, every image its build committed or reused, and the images it started FROM. */
export interface SubmissionImages {
  tag: string;
  /** Short ids (12 hex digits) of the images of the build's steps, base images (FROM) excluded. */
  chain: string[];
  /** Ids of the base images its stages start FROM (see baseImageIds). */
  bases: string[];
}

/** The images of a build, from the steps it ran: FROM steps name base images or earlier stages, never ours. */
export function submissionImages(tag: string, steps: BuildStep[], bases: string[]): SubmissionImages {
  const chain: string[] = [];
  for (const step of steps) {
    if (!/^FROM\s/i.test(step.instruction) && step.imageId && !chain.includes(step.imageId)) chain.push(step.imageId);
  }
  return { tag, chain, bases };
}

/** The ids of the images a Dockerfile's stages start FROM, as the engine has them now; absent ones left out. */
export async function baseImageIds(docker: Dockerode, analysis: DockerfileFacts): Promise<string[]> {
  const ids = await Promise.all(
    externalBaseImages(analysis).map((name) =>
      docker
        .getImage(name)
        .inspect()
        .then(
          (i) => i.Id,
          () => undefined,
        ),
    ),
  );
  return ids.filter((id): id is string => id !== undefined);
}

export interface BuildTracker {
  /** Call with each image the build commits or reuses: it stays held until its submission is released. */
  used: (shortId: string) => void;
  /** Call when the build has ended, however it ended. */
  done: () => Promise<void>;
}

interface Freed {
  /** An image's short id, or the submission's tag. */
  ref: string;
  tag: boolean;
  bases: string[];
}

interface InFlight {
  used: Set<string>;
  bases: Set<string>;
}

/**
 * Removes what submissions' builds leave, without pulling an image from under another build. The classic
 * builder reuses any cached image on the engine whose parent and instruction match, and students' answers often
 * share whole stages (the handout's builder stage, its app.py and requirements.txt), so builds hold images in
 * common:
 * - every build holds each image it used or made until its submission is released; an image goes only when no
 *   build holds it any more;
 * - a freed image waits while a build in flight starts from any of the same base images: every image of a chain
 *   descends from its stage's base, so that build may find it in its cache at any step, the first one included;
 * - a build starts only once removals already under way have ended (an image half removed is still in the cache);
 * - each image is removed on its own, never with its parents: Docker's classic store refuses to remove a parent
 *   that still has children, but the containerd store removes whatever it is asked to, shared parents included.
 * The builder stage's images go too: they carry no tag and no label. Should a build still lose a cached image
 * (another program removing images meanwhile), gather-facts builds it once more — see lostCachedImage.
 */
export class RunImages {
  private readonly holds = new Map<string, number>();
  private readonly inFlight = new Set<InFlight>();
  private readonly removing = new Set<Promise<unknown>>();
  /** Freed images still there, oldest first. */
  private readonly pending: Freed[] = [];

  constructor(private readonly docker: Dockerode) {}

  /**
   * Registers a build about to start FROM `bases` (see baseImageIds) and resolves once no removal is under way;
   * from then on, until `done`, nothing a build from those bases could reuse is removed.
   */
  async startBuild(bases: string[]): Promise<BuildTracker> {
    const build: InFlight = { used: new Set(), bases: new Set(bases) };
    this.inFlight.add(build);
    await Promise.allSettled([...this.removing]);
    return {
      used: (id) => {
        const short = shortImageId(id);
        if (build.used.has(short)) return;
        build.used.add(short);
        this.holds.set(short, (this.holds.get(short) ?? 0) + 1);
      },
      done: async () => {
        this.inFlight.delete(build);
        await this.removeFree();
      },
    };
  }

  /** Ends a submission's hold on its images and removes those nobody else holds, and its tag. */
  async release(images: SubmissionImages): Promise<void> {
    for (const id of images.chain) {
      const held = (this.holds.get(id) ?? 1) - 1;
      if (held > 0) this.holds.set(id, held);
      else {
        this.holds.delete(id);
        this.pending.push({ ref: id, tag: false, bases: images.bases });
      }
    }
    // Last in, so first out: removing the last tag of an image removes the image.
    this.pending.push({ ref: images.tag, tag: true, bases: images.bases });
    await this.removeFree();
  }

  /** Removes the freed images no build in flight may be about to reuse; also called once the run is over. */
  async removeFree(): Promise<void> {
    // Children before parents (the newest first), so that the classic store can remove each one.
    for (const freed of this.pending.splice(0).reverse()) {
      if (!freed.tag && this.holds.has(freed.ref)) continue;
      if (freed.tag) {
        if (this.buildMayReuse(freed)) this.pending.unshift(freed);
        // Forced: when another submission's build made the very same image, only this tag goes.
        else await this.trackRemoval(this.docker.getImage(freed.ref).remove({ force: true, noprune: true })).catch(() => undefined);
        continue;
      }
      const image = await this.docker
        .getImage(freed.ref)
        .inspect()
        .catch(() => undefined);
      // A tagged image is somebody's (a base, the reference, another run's --keep-images): never ours to remove.
      if (!image || (image.RepoTags ?? []).some((t) => t !== "<none>:<none>")) continue;
      // Asked only now, right before the removal starts: a build may have started while the image was inspected.
      if (this.buildMayReuse(freed)) {
        this.pending.unshift(freed);
        continue;
      }
      // Not forced: an image a container or (on the classic store) a child image still uses stays, for later.
      const removed = await this.trackRemoval(this.docker.getImage(image.Id).remove({ noprune: true })).then(
        () => true,
        () => false,
      );
      if (!removed) this.pending.unshift(freed);
    }
  }

  private buildMayReuse(freed: Freed): boolean {
    return [...this.inFlight].some((build) => freed.bases.some((id) => build.bases.has(id)));
  }

  private async trackRemoval<T>(removal: Promise<T>): Promise<T> {
    this.removing.add(removal);
    try {
      return await removal;
    } finally {
      this.removing.delete(removal);
    }
  }
}
