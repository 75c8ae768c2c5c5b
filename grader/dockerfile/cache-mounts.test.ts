import { scopeCacheMounts, scopedMount } from "./cache-mounts";

describe("scopeCacheMounts", () => {
  it("gives each cache mount an id of the submission's own, keeping its other options", () => {
    const text = [
      "FROM python:3.11-slim",
      "RUN --mount=type=cache,target=/root/.cache/pip pip install flask",
      "RUN --mount=type=cache,id=apt,target=/var/cache/apt,sharing=locked \\",
      "    --mount=type=bind,source=requirements.txt,target=/r.txt apt-get update",
      "COPY --from=build /opt/venv /opt/venv",
    ].join("\n");
    const scoped = scopeCacheMounts(text, "s1")!;
    expect(scoped.text).toBe(
      [
        "FROM python:3.11-slim",
        "RUN --mount=type=cache,target=/root/.cache/pip,id=s1-/root/.cache/pip pip install flask",
        "RUN --mount=type=cache,id=s1-apt,target=/var/cache/apt,sharing=locked \\",
        "    --mount=type=bind,source=requirements.txt,target=/r.txt apt-get update",
        "COPY --from=build /opt/venv /opt/venv",
      ].join("\n"),
    );
    // What the engine says of the lines reads as the student wrote them
    const said = "ERROR: [builder 2/3] RUN --mount=type=cache,target=/root/.cache/pip,id=s1-/root/.cache/pip pip install flask";
    expect(scoped.unscope(said)).toBe("ERROR: [builder 2/3] RUN --mount=type=cache,target=/root/.cache/pip pip install flask");
  });

  it("scopes a mount whose value goes on over lines, keeping every line's number", () => {
    const text = ["FROM python:3.11-slim", "RUN --mount=type=cache,\\", "target=/root/.cache/pip pip install flask", "COPY . ."].join("\n");
    expect(scopeCacheMounts(text, "s1")!.text.split("\n")).toEqual([
      "FROM python:3.11-slim",
      "RUN --mount=type=cache,target=/root/.cache/pip,id=s1-/root/.cache/pip pip install flask",
      "#",
      "COPY . .",
    ]);
  });

  it("leaves a Dockerfile without cache mounts alone", () => {
    expect(scopeCacheMounts("FROM scratch\nRUN --mount=type=bind,target=/x true\n", "s1")).toBeUndefined();
  });

  it("reads the mount's value as BuildKit does: quoted fields, any case, its id's variables kept for BuildKit to expand", () => {
    expect(scopedMount('type=cache,target="/a,b",ID=$CACHE', "s")).toBe('type=cache,target="/a,b",id=s-$CACHE');
    expect(scopedMount('type="cache",dst=/c', "s")).toBe('type="cache",dst=/c,id=s-/c');
    expect(scopedMount("type=tmpfs,target=/t", "s")).toBeUndefined();
  });
});
