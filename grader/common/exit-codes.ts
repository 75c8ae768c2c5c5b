/** Process exit codes shared by every command; README documents them. */
export const ExitCode = {
  ok: 0,
  /** `check`: at least one check failed. */
  checksFailed: 1,
  /** Bad flags or an invalid lab spec. */
  usage: 2,
  /** The engine or the base images are not ready; `lab-grader setup` is the fix. */
  notReady: 3,
  /** Some checks were not graded: the engine cannot build what they need (the run lists where they can be). */
  notGraded: 5,
} as const;

/** An error the user can fix; its message says how. Carries the exit code to use. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "UserFacingError";
  }
}
