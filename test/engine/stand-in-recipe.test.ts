import { debianBaseImage } from "../../grader/engine/stand-in/recipe-files";
import { recipeImages, standInKey, standInPlanFor, standInRecipeHash } from "../../grader/engine/stand-in/stand-in-recipe";

describe("standInPlanFor", () => {
  it.each([
    ["python:3.9-slim-buster", "bullseye", "3.9"],
    ["python:3.9-slim", "bullseye", "3.9"],
    ["python:3.9", "bullseye", "3.9"],
    ["python:3.11-slim", "bookworm", "3.11"],
    ["docker.io/library/python:3.11.2-slim", "bookworm", "3.11"],
    ["python:3.13-slim-trixie", "trixie", "3.13"],
  ])("%s → Debian %s with Python %s", (image, suite, version) => {
    expect(standInPlanFor(image)).toMatchObject({ family: "python", version, debianBase: { suite }, dockerfile: "stand-in.Dockerfile" });
  });

  it.each([
    ["golang:1.24", "1.24"],
    ["golang:1.24.4", "1.24"],
    ["golang:1.24-trixie", "1.24"],
    ["docker.io/library/golang:1.24.12-trixie", "1.24"],
  ])("%s → Debian trixie with its golang-%s-go", (image, version) => {
    const plan = standInPlanFor(image);
    expect(plan).toMatchObject({ family: "golang", version, debianBase: { suite: "trixie" }, dockerfile: "golang-stand-in.Dockerfile" });
    // What the official image has from buildpack-deps:<suite>-scm and its cgo step.
    expect(plan!.debianBase.packages).toEqual(
      expect.arrayContaining([
        `golang-${version}-go`,
        `golang-${version}-src`,
        "gcc",
        "libc6-dev",
        "make",
        "pkg-config",
        "git",
        "curl",
        "ca-certificates",
      ]),
    );
  });

  it.each([
    "python:3.8-slim",
    "python:3.11-alpine",
    "node:20",
    "python:latest",
    "ubuntu:22.04",
    "golang:1.23",
    "golang:1.25",
    "golang:1.24-alpine",
    "golang:1.24-bookworm",
    "golang:latest",
    "golang",
  ])("has no recipe for %s", (image) => {
    expect(standInPlanFor(image)).toBeUndefined();
  });
});

describe("stand-in recipes", () => {
  const python313 = standInPlanFor("python:3.13-slim")!;
  const golang = standInPlanFor("golang:1.24")!;

  it("gives each family on the same Debian release its own Debian base, build and recipe hash", () => {
    expect(python313.debianBase.suite).toBe(golang.debianBase.suite);
    expect(debianBaseImage(golang.debianBase)).not.toBe(debianBaseImage(python313.debianBase));
    expect(standInKey(golang)).not.toBe(standInKey(python313));
    expect(standInRecipeHash(golang)).not.toBe(standInRecipeHash(python313));
    expect(standInRecipeHash(golang)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("builds one image for the names that stand for the same official image", () => {
    expect(standInKey(standInPlanFor("golang:1.24-trixie")!)).toBe(standInKey(golang));
    expect(standInRecipeHash(standInPlanFor("golang:1.24.4")!)).toBe(standInRecipeHash(golang));
    expect(standInKey(standInPlanFor("python:3.9-slim-buster")!)).toBe(standInKey(standInPlanFor("python:3.9-slim")!));
  });

  it("keeps every family's Debian base, so that setup does not remove one as an older recipe's", () => {
    const kept = recipeImages();
    for (const image of ["python:3.9-slim", "python:3.11-slim", "python:3.13-slim", "golang:1.24"]) {
      expect(kept).toContain(debianBaseImage(standInPlanFor(image)!.debianBase));
    }
    expect(kept).toContainEqual(expect.stringMatching(/^lab-grader\/wheelhouse:[0-9a-f]{16}$/));
  });

  it("sends every file the build context names, and hashes them", () => {
    for (const plan of [python313, golang]) expect(plan.contextFiles).toContain(plan.dockerfile);
    expect(golang.contextFiles).toEqual(["golang-stand-in.Dockerfile", "install-go.sh"]);
  });
});
