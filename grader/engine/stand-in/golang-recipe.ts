import { debianBaseImage, type DebianBase } from "./recipe-files";
import type { StandInPlan } from "./stand-in-recipe";

/** Go minor versions a Debian release packages (golang-X.Y-go), with the release that stands in for the official image's. */
const GO_RELEASES: Record<string, { suite: string; debianVersion: string }> = {
  "1.24": { suite: "trixie", debianVersion: "13" },
};

/**
 * Debian's Go, and what the official image has from buildpack-deps:<suite>-scm and its own cgo step: a C toolchain
 * (so cgo is on by default, as there), make, pkg-config, git, curl, wget, ssh, ps and CA certificates. Left out:
 * mercurial, subversion, gnupg and sq (see docs/stand-ins.md).
 */
function golangDebianBase(go: string): DebianBase {
  return {
    suite: GO_RELEASES[go].suite,
    packages: [
      `golang-${go}-go`,
      `golang-${go}-src`,
      "gcc",
      "g++",
      "libc6-dev",
      "make",
      "pkg-config",
      "git",
      "curl",
      "wget",
      "ca-certificates",
      "netbase",
      "openssh-client",
      "procps",
    ],
  };
}

/** Files sent as the build context of the golang stand-in build. */
export const GOLANG_RECIPE_FILES = ["golang-stand-in.Dockerfile", "install-go.sh"];

/** How to stand in for `golang:X.Y[.Z][-suite]` on the suite Debian packages that Go in, or undefined. */
export function golangPlanFor(image: string): StandInPlan | undefined {
  const match = /^(?:docker\.io\/)?(?:library\/)?golang:(\d+\.\d+)(?:\.\d+)?(?:-([a-z]+))?$/.exec(image);
  const release = match && GO_RELEASES[match[1]];
  if (!match || !release || (match[2] !== undefined && match[2] !== release.suite)) return undefined;
  const go = match[1];
  return {
    family: "golang",
    version: go,
    debianBase: golangDebianBase(go),
    dockerfile: "golang-stand-in.Dockerfile",
    contextFiles: GOLANG_RECIPE_FILES,
    builtFrom:
      `debootstrap --variant=minbase of Debian ${release.debianVersion} (${release.suite}) with its golang-${go}-go moved to /usr/local/go, ` +
      `gcc, g++, make, pkg-config and git`,
  };
}

/** The Debian bases the golang recipe keeps on the engine. */
export function golangRecipeImages(): string[] {
  return Object.keys(GO_RELEASES).map((go) => debianBaseImage(golangDebianBase(go)));
}
