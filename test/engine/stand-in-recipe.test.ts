import { standInPlanFor } from "../../grader/engine/stand-in/stand-in-recipe";

describe("standInPlanFor", () => {
  it.each([
    ["python:3.9-slim-buster", "bullseye", "3.9"],
    ["python:3.9-slim", "bullseye", "3.9"],
    ["python:3.9", "bullseye", "3.9"],
    ["python:3.11-slim", "bookworm", "3.11"],
    ["docker.io/library/python:3.11.2-slim", "bookworm", "3.11"],
    ["python:3.13-slim-trixie", "trixie", "3.13"],
  ])("%s → Debian %s with Python %s", (image, suite, python) => {
    expect(standInPlanFor(image)).toMatchObject({ suite, python });
  });

  it.each(["python:3.8-slim", "python:3.11-alpine", "node:20", "python:latest", "ubuntu:22.04"])(
    "has no recipe for %s",
    (image) => {
      expect(standInPlanFor(image)).toBeUndefined();
    },
  );
});
