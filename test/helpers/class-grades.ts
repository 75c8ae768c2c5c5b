import { GRADER_ERROR_REASON, NOT_BUILT, type CheckResult } from "../../grader/checks/check";
import type { GradesDocument, SubmissionGrade } from "../../grader/report/grades";

const MB = 1e6;

/** Lab 42's checks with their points and (shortened) hints. */
const CHECKS: Record<string, { points: number; hint: string }> = {
  "dockerfile-multistage": {
    points: 2,
    hint: "Use separate FROM instructions: a build stage (FROM python:3.9-slim-buster AS builder) and a runtime stage that copies only what it needs with COPY --from=builder.",
  },
  "image-builds": {
    points: 2,
    hint: "Double-check the syntax of your Dockerfile, especially COPY --from: the path you copy must exist in the builder stage.",
  },
  "container-runs": {
    points: 1,
    hint: "The runtime stage needs the installed libraries of Flask: copy the venv from the builder and run the venv's python.",
  },
  "greeting-served": {
    points: 2,
    hint: "The app must answer GET / on port 5000 with \"Hello, Docker Multi-Stage Build!\". Run it with app.run(host='0.0.0.0').",
  },
  "venv-copied": {
    points: 2,
    hint: "Create a virtual environment in the builder stage (python -m venv /app/venv), install the requirements into it, and copy it with COPY --from=builder /app/venv /app/venv.",
  },
  "size-under-threshold": {
    points: 1,
    hint: "Keep the runtime stage small: copy only the venv and app.py from the builder, and use --no-cache-dir with pip.",
  },
};
const CHECK_IDS = Object.keys(CHECKS);

/** A long token with no break opportunity, as build logs and HTTP bodies have (hashes, base64, paths). */
const unbroken = (seed: string, length: number): string => seed.repeat(Math.ceil(length / seed.length)).slice(0, length);

type Outcome = true | string;

function checks(outcomes: Record<string, Outcome>): CheckResult[] {
  return CHECK_IDS.map((id) => {
    const outcome = outcomes[id] ?? true;
    const { points: maxPoints, hint } = CHECKS[id];
    return outcome === true
      ? { id, passed: true, points: maxPoints, maxPoints, message: `${id}: as expected` }
      : { id, passed: false, points: 0, maxPoints, message: outcome, hint };
  });
}

function grade(id: string, outcomes: Record<string, Outcome>, extra: Partial<SubmissionGrade> = {}): SubmissionGrade {
  const results = checks(outcomes);
  return {
    id,
    score: results.reduce((sum, c) => sum + c.points, 0),
    maxScore: results.reduce((sum, c) => sum + c.maxPoints, 0),
    checks: results,
    ...extra,
  };
}

/** As grades-from-jest writes a submission whose checks did not run: reason grader-error, no hints, no image. */
function graderError(id: string, error: string, message: string): SubmissionGrade {
  const failed = grade(id, Object.fromEntries(CHECK_IDS.map((check) => [check, message])), { graderError: error });
  return { ...failed, checks: failed.checks.map(({ hint: _hint, ...check }) => ({ ...check, reason: GRADER_ERROR_REASON })) };
}

const built = (bytes: number): Partial<SubmissionGrade> => ({ imageBytes: bytes, architecture: "amd64", os: "linux", builder: "classic" });

const dependentsNotRun = {
  "container-runs": NOT_BUILT.message,
  "greeting-served": NOT_BUILT.message,
  "venv-copied": NOT_BUILT.message,
  "size-under-threshold": NOT_BUILT.message,
};

const failedBuild = (step: string, error: string): Record<string, Outcome> => ({
  "image-builds":
    `the build failed at ${step}: ${error}\nLast lines of that step's output:\n` +
    `#12 ERROR: failed to compute cache key: "/app/${unbroken("venv/lib/python3.9/site-packages/", 260)}" not found: not found\n` +
    `------\n > [stage-1 3/4] ${step}:\n------`,
  ...dependentsNotRun,
});

/**
 * A class of 30 graded Lab 42 submissions as a real run would write them: long ids (one with no break
 * opportunity at all), long messages with unbroken tokens, five failed builds, a submission without a Dockerfile,
 * a grader error, an image far larger than the rest, and entries that were not graded.
 */
export function classGrades(): GradesDocument {
  const submissions: SubmissionGrade[] = [];
  for (let i = 1; i <= 18; i++) {
    const id =
      i % 4 === 0
        ? `student-${String(i).padStart(2, "0")}-${"with-a-long-hyphenated-name-".repeat(3)}final`
        : `student-${String(i).padStart(2, "0")}`;
    submissions.push(grade(id, {}, built((95 + i * 2.1) * MB)));
  }
  submissions.push(
    grade(`submission_2026_11_28_${unbroken("groupB_resubmitted_after_deadline_", 110)}`, {}, built(104.2 * MB)),
    grade(
      "zoë o'brien (resubmission)",
      { "size-under-threshold": "The image is 171.9 MB; the threshold is 144.8 MB. Copy only what the app needs" },
      built(171.9 * MB),
    ),
    grade(
      "single-stage-sam",
      {
        "dockerfile-multistage": "expected at least two FROM stages; found one (line 1)",
        "venv-copied": "no virtualenv in the final image",
        "size-under-threshold": "The image is 1021.4 MB; the threshold is 144.8 MB",
      },
      built(1021.4 * MB),
    ),
    grade(
      "greeting-gina",
      {
        "greeting-served": `GET / on port 5000 answered 200 but with "${unbroken("Hello-from-the-wrong-app-", 400)}" (cut); expected exactly "Hello, Docker Multi-Stage Build!"`,
      },
      built(133.3 * MB),
    ),
    grade(
      "exits-eli",
      {
        "container-runs": `expected the container to keep running; it exited with code 1 within 2 s of starting.\nIts last output:\nModuleNotFoundError: No module named 'flask'\n${unbroken("/usr/local/lib/python3.9/", 300)}`,
        "greeting-served": "GET / on port 5000: the container exited (exit code 1); see container-runs",
      },
      built(128.8 * MB),
    ),
    grade("dave-handout-step3", failedBuild("COPY --from=builder /app/venv /app/venv", "COPY failed: stat app/venv: file does not exist")),
    grade("fiona-typo-in-from", failedBuild("FROM pyhton:3.9-slim", "pull access denied for pyhton, repository does not exist")),
    grade(
      `hank-${unbroken("h", 70)}`,
      failedBuild("RUN pip install -r requirments.txt", "The command '/bin/sh -c pip install -r requirments.txt' returned a non-zero code: 1"),
    ),
    grade("ivy-add-url", failedBuild("ADD https://example.com/app.tar.gz /app", "ADD from a URL is not allowed in this lab")),
    grade("jack-timeout", failedBuild("RUN sleep infinity", "the build did not finish within 300 s and was stopped")),
    grade("ken-no-dockerfile", {
      "dockerfile-multistage": "not run: no Dockerfile in the submission (looked for Dockerfile and dockerfile)",
      "image-builds": "not built: no Dockerfile in the submission",
      ...dependentsNotRun,
    }),
    graderError("lena-grader-error", "the checks did not run", "grader error: the check did not run (connect ECONNREFUSED /var/run/docker.sock)"),
  );
  return {
    lab: { id: "lab42", title: "Docker Multi-Stage Builds: Optimizing Image Size", file: "specs/lab42.yaml" },
    runId: "20261128-190241-7f3a",
    startedAt: "2026-11-28T18:48:03.512Z",
    gradedAt: "2026-11-28T19:02:41.908Z",
    engine: {
      location: "unix:///var/run/docker.sock",
      product: "Docker Engine 20.10.24+dfsg1",
      imageStore: "overlay2 graphdriver",
      version: "20.10.24+dfsg1",
      apiVersion: "1.41",
      os: "linux",
      architecture: "amd64",
    },
    reference: {
      referenceBytes: 131.6 * MB,
      baselineBytes: 178.3 * MB,
      thresholdBytes: 144.8 * MB,
      thresholdRule: "1.10 × the reference solution",
      architecture: "amd64",
    },
    submissions,
    skipped: [{ name: `notes-${unbroken("n", 90)}.txt`, reason: "neither a directory nor a .zip archive" }],
    grader: { version: "0.1.0", peakRssBytes: 182e6, reportMs: 41 },
  };
}
