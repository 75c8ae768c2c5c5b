/**
 * Lab 42's grading tests. `lab-grader grade` runs this file with Jest: one describe per submission, one test
 * per check, each worth points. Add your own check with `check({ id, points }, async (facts) => { … })`;
 * README ("Adding a check") shows how.
 */
import { check, gradeSubmissions, lab42Checks } from "lab-grader/jest";

gradeSubmissions(() => {
  for (const builtIn of lab42Checks) check(builtIn);
});
