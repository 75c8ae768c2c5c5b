import { ExitCode } from "../common/exit-codes";
import { loadLabSpec } from "../lab/lab-spec";
import { readinessFacts } from "../engine/readiness";
import { overshootAllowance, roomToStartBytes } from "../grading/disk-floor";

/** `lab-grader doctor`: one line per readiness fact; exit 0 when ready, 3 when not. */
export async function doctorCommand(options: { lab: string }): Promise<number> {
  const spec = loadLabSpec(options.lab);
  const allowance = overshootAllowance();
  const facts = await readinessFacts(
    spec.baseImages,
    {
      bytes: roomToStartBytes(spec.sandbox),
      madeOf: `sandbox.diskFloorMb, one sandbox.diskBudgetMb, and ${Math.round(allowance / 1024 ** 2)} MiB for what writers can write past their budgets before they are frozen`,
    },
    spec.buildCache.keepMb,
  );
  for (const fact of facts) {
    const line = `${fact.ok ? "ok     " : "PROBLEM"} ${fact.name}: ${fact.value}`;
    console.log(fact.fix ? `${line}\n        fix: ${fact.fix}` : line);
  }
  const problems = facts.filter((f) => !f.ok).length;
  console.log(problems ? `not ready: ${problems} problem(s)` : "ready");
  return problems ? ExitCode.notReady : ExitCode.ok;
}
