/**
 * What a lab's spec file imports (`import { check, gradeSubmissions } from "lab-grader/jest"`): the grading
 * API and the built-in checks.
 */
export { check, gradeSubmissions, type CheckBody } from "./lab-tests";
export { lab42Checks } from "../checks";
export type { Check, CheckContext, CheckOutcome, CheckResult } from "../checks";
export type { SubmissionFacts } from "../grading/submission-facts";
