import type { Check } from "./check";
import { containerRuns } from "./container-runs";
import { dockerfileMultistage } from "./dockerfile-multistage";
import { greetingServed } from "./greeting-served";
import { imageBuilds } from "./image-builds";
import { sizeUnderThreshold } from "./size-under-threshold";
import { venvCopied } from "./venv-copied";

/** Lab 42's checks, in report order. */
export const lab42Checks: Check[] = [dockerfileMultistage, imageBuilds, containerRuns, greetingServed, venvCopied, sizeUnderThreshold];

export type { Check, CheckContext, CheckOutcome, CheckResult } from "./check";
