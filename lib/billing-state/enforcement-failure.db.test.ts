// An enforcement run that gives up is visible to the operator (issue 11, "failures of enforcement
// runs"): its reason is kept on the billing row and audited; the next successful action clears it.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordBillingAction } from "@/lib/billing-state/billing-state";
import { billingDeleteVmFunction } from "@/inngest/functions/billing-delete-vm";
import { billingRestoreVmFunction } from "@/inngest/functions/billing-restore-vm";
import { billingSuspendVmFunction } from "@/inngest/functions/billing-suspend-vm";
import { createUser, uniqueTag } from "@/test/fixtures/vm";

type OnFailure = (ctx: unknown) => Promise<unknown>;
const step = { run: (_name: string, work: () => unknown) => work() };

async function enforcementRow() {
  const { id: userId } = await createUser();
  const tag = uniqueTag();
  return db.billingEnforcement.create({
    data: { subscriptionId: `sub_row_${tag}`, stripeSubscriptionId: `sub_${tag}`, userId, orderId: `order_${tag}`, state: "suspended" },
  });
}

describe("enforcement run failures", () => {
  it.each([
    ["suspend", billingSuspendVmFunction],
    ["restore", billingRestoreVmFunction],
    ["delete", billingDeleteVmFunction],
  ] as const)("a %s run that gives up leaves its reason on the billing row and in the audit trail", async (run, fn) => {
    const row = await enforcementRow();
    const onFailure = fn.opts.onFailure as unknown as OnFailure;
    expect(onFailure).toBeTypeOf("function");
    await onFailure({ event: { data: { event: { data: { enforcementId: row.id } } } }, error: new Error("Proxmox answered 500"), step });

    expect(await db.billingEnforcement.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      lastError: `${run}: Proxmox answered 500`,
      lastAction: `${run}_failed`,
    });
    expect(await db.auditEvent.count({ where: { subjectType: "billing", subjectId: row.id, action: "billing.enforcement_failed" } })).toBe(1);

    await recordBillingAction(row.id, "vm_suspended", { type: "system" });
    expect((await db.billingEnforcement.findUniqueOrThrow({ where: { id: row.id } })).lastError).toBeNull();
  });
});
