/**
 * Lab 42's grading tests. `lab-grader grade` runs this file with Jest: one describe per submission, one test
 * per check, each worth points. Add your own check with `check({ id, points }, async (facts) => { … })`;
 * README ("Adding a check") shows how.
 */
import { lab42Checks } from "../grader/checks";
import { check, gradeSubmissions } from "../grader/jest/lab-tests";

gradeSubmissions(() => {
  for (const builtIn of lab42Checks) check(builtIn);
});
