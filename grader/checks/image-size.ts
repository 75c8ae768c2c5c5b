import { fail, formatBytes, NOT_BUILT, pass, type CheckKind } from "./check";
import type { CountedCopy } from "../inspect/image-size";

/** How the threshold is set; the run derives it once from the reference (grading/reference.ts, LabSpec.size). */
export interface ImageSizeParams {
  /** The threshold is this × the reference solution's size (default 1.10). */
  maxRatioToReference?: number;
  /** Or a fixed threshold in bytes, which replaces the ratio. */
  maxBytes?: number;
  /** lab: the reference as written; same-base: rebuilt on the submission's own final base image. */
  reference?: "lab" | "same-base";
}

/** The image is no larger than the threshold derived from the reference solution built in the same run. */
export const imageSize: CheckKind<ImageSizeParams> = {
  kind: "image-size",
  reasons: { "not-built": "none", "too-large": "lab" },
  title: () => "The image is no larger than the threshold",
  needs: () => ({}),
  evaluate(facts, _params, context) {
    if (!facts.image) return NOT_BUILT;
    const reference = facts.sizeReference ?? context.reference;
    const bytes = facts.image.bytes;
    const reduction = ((reference.baselineBytes - bytes) / reference.baselineBytes) * 100;
    const comparison =
      `The image is ${formatBytes(bytes)} (${bytes} bytes); the threshold is ${formatBytes(reference.thresholdBytes)} ` +
      `(${reference.thresholdRule}, which is ${formatBytes(reference.referenceBytes)}). The single-stage baseline is ` +
      `${formatBytes(reference.baselineBytes)}: yours is ${Math.abs(reduction).toFixed(1)}% ${reduction >= 0 ? "smaller" : "larger"}.` +
      architectureNote(facts.image.architecture, reference.architecture) +
      countedCopiesNote(facts.image.countedCopies);
    if (bytes <= reference.thresholdBytes) return pass(comparison);
    return fail("too-large", `${comparison} Copy only what the app needs into the final stage, not build tools, caches or the whole build stage`);
  },
};

function countedCopiesNote(copies: CountedCopy[]): string {
  if (!copies.length) return "";
  const list = copies
    .map((c) => `line ${c.line} copied ${formatBytes(c.countedBytes)}, of which this engine's image store kept ${formatBytes(c.storedBytes)}`)
    .join("; ");
  return (
    ` Each COPY --from counts for all it copied: ${list}. (The containerd image store, Docker Desktop's default, leaves ` +
    `out files identical to those already below; Docker's overlay2 store keeps them, so the same Dockerfile is that much larger there.)`
  );
}

function architectureNote(image: string, reference: string | undefined): string {
  if (!reference || image === reference) return "";
  return ` Note: your image is built for ${image}, the reference for ${reference}; sizes differ between architectures.`;
}
