/**
 * The grading tests of a lab with no spec file of its own: the checks its YAML declares, one test each, per
 * submission. A lab that adds its own Jest checks has `<lab>.spec.ts` beside its YAML instead (README,
 * "Writing a lab").
 */
import { check, gradeSubmissions, labChecks } from "lab-grader/jest";

gradeSubmissions(() => {
  for (const declared of labChecks()) check(declared);
});
