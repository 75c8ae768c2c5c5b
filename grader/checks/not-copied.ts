import type { PathOrigin, PathProvenance } from "../inspect/path-provenance";

const WHY: Record<Exclude<PathOrigin, "copied-from-stage">, string> = {
  "copied-from-image": "it was copied from another image, not from a stage of this Dockerfile",
  "copied-from-context": "it was copied from the submission's own files, not built in a stage",
  "created-in-final-stage": "it was created in the final stage itself, so the build tools are there too",
  "inherited-from-base": "it was already in the image the final stage starts FROM",
};

/**
 * Why a path that should have come by COPY --from an earlier stage did not, and by which step: "it was created in
 * the final stage itself, … (by `RUN …`, line 8)". `advice` adds a check's own words for an origin.
 */
export function whyNotCopied(provenance: PathProvenance | undefined, advice: Partial<Record<PathOrigin, string>> = {}): string {
  const origin = provenance?.origin;
  const why =
    origin && origin !== "copied-from-stage" ? `${WHY[origin]}${advice[origin] ?? ""}` : "the grader could not tell which step brought it in";
  return `${why}${byStep(provenance)}`;
}

/** " (by `COPY --from=build /out/server /server`, line 4)", or nothing when the step is not known. */
export function byStep(provenance: PathProvenance | undefined): string {
  return provenance?.introducedBy ? ` (by \`${provenance.introducedBy}\`, line ${provenance.introducedAt})` : "";
}
