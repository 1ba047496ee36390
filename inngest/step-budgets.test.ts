// Every function's worst case stays well under Inngest's 1,000-step limit, with room for the steps
// other work adds; billing-reconcile fans out, so its own run stays small at any size.
import { describe, expect, it } from "vitest";
import { INNGEST_STEP_LIMIT, STEP_BUDGETS } from "./step-budgets";
import { reconcileStepBudget } from "./functions/billing-reconcile";

describe("step budgets", () => {
  it("provision-vm, cleanup-provisioning, vm-operation and rebuild-vm: the worst case (every wait budget spent) is under half the limit", () => {
    const budgets = Object.fromEntries(Object.entries(STEP_BUDGETS).map(([id, budget]) => [id, budget()]));
    console.info(`worst-case steps per run: ${JSON.stringify(budgets)} (limit ${INNGEST_STEP_LIMIT})`);
    for (const budget of Object.values(budgets)) expect(budget).toBeLessThan(INNGEST_STEP_LIMIT / 2);
  });

  it("billing-reconcile: 100,000 subscriptions take 201 steps (one listing, 200 sends of 500)", () => {
    expect(reconcileStepBudget(100_000)).toBe(201);
    expect(reconcileStepBudget(0)).toBe(1);
  });
});
