import type Dockerode from "dockerode";

/** The image's inspect data, or undefined when the engine has no image by that name. */
export async function inspectImage(docker: Dockerode, name: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

export async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  return (await inspectImage(docker, name)) !== undefined;
}
