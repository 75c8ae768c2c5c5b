import type Dockerode from "dockerode";
import type { BuildStep } from "../engine/build";

/** A submission's images: its tag, every image its build used or made, and the last image of each stage. */
export interface SubmissionImages {
  tag: string;
  /** Short ids (12 hex digits) of every image the build's steps used or committed, base images excluded. */
  chain: string[];
  /** Short ids of each stage's last image: removing them takes the untagged images under them along. */
  leaves: string[];
}

/** The images of a build, from the steps it ran: FROM steps name base images or earlier stages, never ours. */
export function submissionImages(tag: string, steps: BuildStep[]): SubmissionImages {
  const chain: string[] = [];
  const leaves: string[] = [];
  let stageLeaf: string | undefined;
  for (const step of steps) {
    if (/^FROM\s/i.test(step.instruction)) {
      if (stageLeaf) leaves.push(stageLeaf);
      stageLeaf = undefined;
    } else if (step.imageId) {
      chain.push(step.imageId);
      stageLeaf = step.imageId;
    }
  }
  if (stageLeaf) leaves.push(stageLeaf);
  return { tag, chain, leaves };
}

/**
 * Removes what submissions' builds leave, without pulling an image from under another build. The classic
 * builder reuses any cached image on the engine, and students' answers often share whole stages (the handout's
 * builder stage, its app.py and requirements.txt), so a build in flight may stand on an image another
 * submission's build made; removing that image would fail the build ("No such image"). A submission's images
 * are removed when its grading ends if no build in flight has used any of them, otherwise when the run ends.
 * (A build that finds such an image in the cache in the very milliseconds it is removed fails with "No such
 * image"; gather-facts builds it once more — see lostCachedImage.)
 * The builder stage's images are removed too: they carry no tag and no label, and nothing else would.
 */
export class RunImages {
  private readonly inFlight = new Set<Set<string>>();
  private readonly deferred: SubmissionImages[] = [];

  constructor(private readonly docker: Dockerode) {}

  /** Records the images a build uses while it runs; call `done` when it has ended, however it ended. */
  startBuild(): { used: (shortId: string) => void; done: () => void } {
    const used = new Set<string>();
    this.inFlight.add(used);
    return { used: (id) => used.add(shortId(id)), done: () => this.inFlight.delete(used) };
  }

  async release(images: SubmissionImages): Promise<void> {
    const shared = images.chain.some((id) => [...this.inFlight].some((used) => used.has(shortId(id))));
    if (shared) this.deferred.push(images);
    else await this.remove(images);
  }

  /** Removes what was deferred; called once no build of the run is left. */
  async releaseDeferred(): Promise<void> {
    for (const images of this.deferred.splice(0)) await this.remove(images);
  }

  get deferredCount(): number {
    return this.deferred.length;
  }

  private async remove(images: SubmissionImages): Promise<void> {
    // By tag and forced: when another submission's build made the very same image, only this tag goes.
    await this.docker.getImage(images.tag).remove({ force: true }).catch(() => undefined);
    for (const id of images.leaves) {
      const image = await this.docker.getImage(id).inspect().catch(() => undefined);
      // A tagged image is somebody's (a base, the reference, another run's --keep-images): never ours to remove.
      if (!image || (image.RepoTags ?? []).some((t) => t !== "<none>:<none>")) continue;
      // Not forced: an image a container or a child image still uses stays.
      await this.docker.getImage(image.Id).remove().catch(() => undefined);
    }
  }
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
