/** Lab 42's checks, in the order its spec declares them. */
export const CHECK_IDS = ["dockerfile-multistage", "image-builds", "container-runs", "greeting-served", "venv-copied", "size-under-threshold"];
