import type { CheckResult } from "../../grader/checks/check";

/** What Docker 20.10 can build of a Dockerfile with a heredoc: its stages are graded, what needs the image is not. */
export const HEREDOC_NEEDS = "Docker Engine 23.0 or later";

export const HEREDOC_ON_OLD_ENGINE: CheckResult[] = [
  { id: "dockerfile-multistage", passed: true, points: 2, maxPoints: 2, message: "2 stages" },
  {
    id: "image-builds",
    passed: false,
    points: 0,
    maxPoints: 2,
    reason: "engine-cannot",
    message: `not graded: not built: RUN with a heredoc (<<) (line 4) needs ${HEREDOC_NEEDS}`,
    notGraded: { cause: "engine", needs: HEREDOC_NEEDS },
  },
];
