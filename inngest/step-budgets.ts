// Inngest fails a run past 1,000 steps (inngest/inngest pkg/consts DefaultMaxStepLimit). Every
// function's worst case, computed from its own budgets, so a test can hold each run to it and a
// unit test can hold each budget well under the limit.
import { provisionStepBudget } from "@/inngest/functions/provision-vm";
import { compensationStepBudget } from "@/lib/provisioning/compensate";
import { operationStepBudget } from "@/inngest/functions/vm-operation";
import { rebuildStepBudget } from "@/inngest/functions/rebuild-vm";

export const INNGEST_STEP_LIMIT = 1_000;

/** Functions whose runs wait in loops; every other function takes a fixed handful of steps. */
export const STEP_BUDGETS: Record<string, () => number> = {
  "provision-vm": provisionStepBudget,
  "cleanup-provisioning": () => compensationStepBudget(),
  "vm-operation": operationStepBudget,
  "rebuild-vm": rebuildStepBudget,
};

/** Straight-line functions: no loop, at most this many steps (the longest today has 8). */
export const STRAIGHT_LINE_BUDGET = 20;

export const stepBudgetOf = (functionId: string) => STEP_BUDGETS[functionId]?.() ?? STRAIGHT_LINE_BUDGET;
