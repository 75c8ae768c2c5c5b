import { fail, formatBytes, NOT_BUILT, pass, type Check } from "./check";

export const sizeUnderThreshold: Check = {
  id: "size-under-threshold",
  title: "The image is no larger than the threshold",
  defaultPoints: 1,
  evaluate(facts, context) {
    if (!facts.image) return NOT_BUILT;
    const reference = facts.sizeReference ?? context.reference;
    const bytes = facts.image.bytes;
    const reduction = ((reference.baselineBytes - bytes) / reference.baselineBytes) * 100;
    const comparison =
      `The image is ${formatBytes(bytes)} (${bytes} bytes); the threshold is ${formatBytes(reference.thresholdBytes)} ` +
      `(${reference.thresholdRule}, which is ${formatBytes(reference.referenceBytes)}). The single-stage baseline is ` +
      `${formatBytes(reference.baselineBytes)}: yours is ${Math.abs(reduction).toFixed(1)}% ${reduction >= 0 ? "smaller" : "larger"}.` +
      architectureNote(facts.image.architecture, reference.architecture);
    if (bytes <= reference.thresholdBytes) return pass(comparison);
    return fail(`${comparison} Copy only what the app needs into the final stage (the venv and app.py), not build tools, caches or the whole build stage`);
  },
};

function architectureNote(image: string, reference: string | undefined): string {
  if (!reference || image === reference) return "";
  return ` Note: your image is built for ${image}, the reference for ${reference}; sizes differ between architectures.`;
}
