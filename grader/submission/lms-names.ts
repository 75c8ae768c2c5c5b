/**
 * Who a submission belongs to, read from the name an LMS bulk download gave its file or folder (the submission's
 * id is that name, without `.zip`). See docs/gradebooks.md for where each layout comes from.
 */
export type LmsIdentity =
  /** Canvas "Download Submissions": `<loginid or lastnamefirstname>_[LATE_]<user id>_<attachment id>_<file name>`. */
  | { lms: "canvas"; userId: string; name: string }
  /** Moodle "Download all submissions": `<Full name>_<participant id>_assignsubmission_<plugin>[_…]`. */
  | { lms: "moodle"; participantId: string; name: string };

// Moodle writes the full name with every "_" turned into a space, so the first "_<digits>_assignsubmission_" ends it.
const MOODLE = /^(.*?)_(\d+)_assignsubmission_[a-z0-9]+(?:_.*)?$/s;
// Canvas collapses every "_<digits>_" in the name part, so the first one starts the ids; anonymised downloads
// (`anon_<anonymous id>`, maybe after `LATE_`) name no user.
const CANVAS = /^(.*?)_(?:LATE_)?(\d+)_\d+_.+$/s;
const CANVAS_ANONYMOUS = /^(?:LATE_)?anon_/;

export function lmsIdentity(submissionId: string): LmsIdentity | undefined {
  const moodle = MOODLE.exec(submissionId);
  if (moodle) return { lms: "moodle", participantId: moodle[2], name: moodle[1] };
  if (CANVAS_ANONYMOUS.test(submissionId)) return undefined;
  const canvas = CANVAS.exec(submissionId);
  if (canvas) return { lms: "canvas", userId: canvas[2], name: canvas[1] };
  return undefined;
}
