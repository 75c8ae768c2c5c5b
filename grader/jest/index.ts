/**
 * What a lab's spec file imports (`import { check, gradeSubmissions, labChecks } from "lab-grader/jest"`): the
 * grading API and the lab's checks as its YAML declares them.
 */
export { check, gradeSubmissions, labChecks, type CheckBody, type CustomCheck } from "./lab-tests";
export type { Check, CheckContext, CheckOutcome, CheckResult, FactNeeds } from "../checks";
export type { SubmissionFacts } from "../grading/submission-facts";
export { commandKey } from "../checks/check";
