import path from "node:path";
import type Dockerode from "dockerode";
import { buildImage } from "../../grader/engine/build";
import { prepareBuildContext } from "../../grader/submission/context";
import { labVariant } from "./lab-variant";

/** An image other than the lab's that holds a venv with Flask (test/provenance/flask-venv-image). */
export const FLASK_VENV_IMAGE = "lab-grader-test/flask-venv:1";

const BUILT_ON_LABEL = "org.lab-grader.test.built-on";

/** Builds FLASK_VENV_IMAGE on the engine unless it is there, built on the base image the engine has now. */
export async function ensureFlaskVenvImage(docker: Dockerode): Promise<void> {
  const base = (await docker.getImage("python:3.9-slim-buster").inspect()).Id;
  const present = await docker
    .getImage(FLASK_VENV_IMAGE)
    .inspect()
    .catch(() => undefined);
  if (present?.Config?.Labels?.[BUILT_ON_LABEL] === base) return;
  const context = await prepareBuildContext(path.resolve("test/provenance/flask-venv-image"));
  if (!context.ok) throw new Error(context.message);
  const built = await buildImage(docker, {
    context: context.tar(),
    tags: [FLASK_VENV_IMAGE],
    labels: { [BUILT_ON_LABEL]: base },
    timeoutMs: 300_000,
  });
  if (!built.ok) throw new Error(`${FLASK_VENV_IMAGE} did not build: ${built.error}\n${built.log}`);
}

/** Lab 42 with FLASK_VENV_IMAGE among its base images, so a submission may copy from it. */
export function provenanceLab(): { labFile: string; work: string } {
  return labVariant((yaml) => yaml.replace("  - python:3.11-slim\n", `  - python:3.11-slim\n  - ${FLASK_VENV_IMAGE}\n`));
}
