import { runInNewContext } from "node:vm";

export const PATTERN_TIMEOUT_MS = 1000;

/**
 * Whether the lab's regular expression matches `text` — a submission's output, which a student controls: a
 * pattern that backtracks catastrophically on it (`^(a+)+$` against "aaaa…b") is stopped after `timeoutMs`
 * ("timeout") instead of holding the grader.
 */
export function matchesPattern(pattern: string, text: string, timeoutMs = PATTERN_TIMEOUT_MS): boolean | "timeout" {
  try {
    return runInNewContext("new RegExp(pattern).test(text)", { pattern, text }, { timeout: timeoutMs }) as boolean;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return "timeout";
    throw error;
  }
}

/** The words for a match that was stopped. */
export const patternTimeout = (pattern: string): string =>
  `matching /${pattern}/ against it took more than ${PATTERN_TIMEOUT_MS / 1000} s and was stopped (the lab's pattern backtracks too much on this text)`;
