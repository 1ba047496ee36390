// /billing's actions through the real wrapper and session helpers (only Auth.js's auth() is a
// settable session), against the Stripe and Proxmox stand-ins: cancellation end to end, and
// another user's billing is a 404 that changes nothing (I5).
import { beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { idleState } from "@/lib/actions/form-state";
import { loadCustomerBilling, loadVmBilling } from "@/lib/billing-state/customer-billing";
import { runLadderTick } from "@/lib/billing-state/apply-ladder";
import { billingSuspendVmFunction } from "@/inngest/functions/billing-suspend-vm";
import { createUser, digestOf, formData, NOT_FOUND_DIGEST as NOT_FOUND } from "@/test/fixtures/vm";
import { proxmox } from "@/test/fixtures/provisioning";
import { billingEmails, customerClock, enforcementOf, runMirrorFor, subscribedVm, setUpBillingTests } from "@/test/fixtures/billing";
import { cancelAtPeriodEndAction } from "./actions";

setUpBillingTests();
beforeEach(() => {
  session.userId = null;
});

const cancelForm = (subscriptionId: string, cancel: boolean) => formData({ subscriptionId, cancel: cancel ? "1" : "0" });

describe("/billing actions", () => {
  let s: Awaited<ReturnType<typeof subscribedVm>>;
  let mirrorId: string;

  it("I5: another user's subscription is a 404 and nothing changes in Stripe or the audit trail; their /billing lists none of it", async () => {
    s = await subscribedVm();
    mirrorId = (await db.subscription.findUniqueOrThrow({ where: { orderId: s.order.id } })).id;
    const other = await createUser();
    session.userId = other.id;
    expect(await digestOf(cancelAtPeriodEndAction(idleState, cancelForm(mirrorId, true)))).toBe(NOT_FOUND);
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).cancel_at_period_end).toBe(false);
    expect(await db.auditEvent.count({ where: { subjectId: mirrorId } })).toBe(0);
    expect(await loadCustomerBilling(other.id)).toEqual([]);
    expect(await loadVmBilling(other.id, s.vm.id)).toBeNull();
  });

  it("I10: a bad form gets field errors and changes nothing", async () => {
    session.userId = s.user.id;
    const state = await cancelAtPeriodEndAction(idleState, formData({ subscriptionId: mirrorId, cancel: "maybe" }));
    expect(state).toMatchObject({ status: "error", fieldErrors: { cancel: expect.any(String) } });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).cancel_at_period_end).toBe(false);
  });

  it("I6 I12: cancel at period end and undo, in Stripe and on the pages; at the end the VM is stopped and kept in the customer's own words (ended, retained), not deleted", async () => {
    session.userId = s.user.id;
    expect(await cancelAtPeriodEndAction(idleState, cancelForm(mirrorId, true))).toMatchObject({ status: "success" });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).cancel_at_period_end).toBe(true);
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "canceled_at_period_end" });
    expect(await loadVmBilling(s.user.id, s.vm.id)).toMatchObject({ state: "canceled_at_period_end", cancelAtPeriodEnd: true });

    expect(await cancelAtPeriodEndAction(idleState, cancelForm(mirrorId, false))).toMatchObject({ status: "success" });
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).cancel_at_period_end).toBe(false);
    expect((await enforcementOf(s.order.id)).state).toBe("active");

    await cancelAtPeriodEndAction(idleState, cancelForm(mirrorId, true));
    const live = await stripe().subscriptions.retrieve(s.subscriptionId);
    await customerClock.advanceTo(s, live.items.data[0]!.current_period_end);
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).status).toBe("canceled");
    const { ctx, error } = await runMirrorFor("customer.subscription.deleted", s.subscriptionId, s.subscriptionId);
    expect(error).toBeUndefined();
    const row = await enforcementOf(s.order.id);
    expect(row).toMatchObject({ state: "ended", endReason: "cancellation_requested", endedAt: expect.any(Date), suspendedAt: expect.any(Date) });
    // The customer's own words: "ended", with the date the data is kept until — never "unpaid".
    expect((await billingEmails(row.id)).map((e) => e.subject)).toEqual(["Your Lab VPS subscription has ended"]);
    const suspend = (ctx.step.sendEvent as unknown as { mock: { calls: Array<[string, Array<{ name: string; data: Record<string, string> }>]> } }).mock.calls
      .flatMap((c) => c[1])
      .find((e) => e.name === "billing/vm.suspend-requested")!;
    const run = await new InngestTestEngine({ function: billingSuspendVmFunction, events: [{ ...suspend, id: "c" } as never] }).execute();
    expect(run.error).toBeUndefined();
    expect((await proxmox.vm(s.vmid))?.status).toBe("stopped");
    // The tick measures on the customer's clock (their test clock here).
    await runLadderTick();
    expect((await enforcementOf(s.order.id)).state).toBe("retained");

    const [view] = await loadCustomerBilling(s.user.id);
    expect(view).toMatchObject({ state: "retained", story: "ended_by_customer", label: "Ended", payable: false, renewal: null, vm: { id: s.vm.id } });
    expect(view!.timeline.map((t) => t.step)).toEqual([
      "Subscription ended (cancelled)",
      "VM stopped at the end of the subscription (data kept)",
      "Data kept until",
    ]);
    expect(view!.timeline[2]!.at).toEqual(row.retainUntil);
    const panel = await loadVmBilling(s.user.id, s.vm.id);
    expect(panel).toMatchObject({ story: "ended_by_customer", canRestore: true, keptUntil: row.retainUntil });
    expect(JSON.stringify(panel)).not.toMatch(/unpaid|overdue|pay the/i);
    // An ended subscription cannot be cancelled or un-cancelled again: restore the VM instead.
    expect(await cancelAtPeriodEndAction(idleState, cancelForm(mirrorId, false))).toMatchObject({
      status: "error",
      message: "This subscription has already ended. While its VM's data is kept, you can restore the VM from its page.",
    });
  });
});
