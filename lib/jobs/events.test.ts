import { describe, expect, it } from "vitest";
import {
  billingDeleteRequested,
  billingReconcileRequested,
  billingRestoreRequested,
  billingSuspendRequested,
  cardUpdateRequested,
  orderCleanupRequested,
  orderPaid,
  orderRefundRequested,
  rebuildRequested,
  reconcileApplyRequested,
  resizeApplyRequested,
  subscriptionSyncRequested,
  userEmailChanged,
  vmFirewallSyncRequested,
  vmHoldLifted,
  vmHoldPlaced,
  vmOperationRequested,
  vmPowerRequested,
  vmRestoreRequested,
} from "./events";

// Inngest drops an event whose id it has seen (within 24 h), across deploys: a changed format
// would let a re-sent event start its work twice. These are the exact strings sent before the
// ids moved onto the event definitions (issue 18); change one only with a plan for the overlap.
describe("I3: each event builds the same idempotency id as before, byte for byte", () => {
  const at = new Date("2026-03-04T05:06:07.089Z");
  it.each([
    ["order/paid", orderPaid.once({ orderId: "o1", attempt: 2 }), "order-paid-o1-2"],
    ["vm/restore.requested", vmRestoreRequested.once({ orderId: "o1" }), "vm-restore-o1"],
    ["order/refund-requested", orderRefundRequested.once({ orderId: "o1" }), "order-refund-o1"],
    ["order/cleanup.requested", orderCleanupRequested.once({ orderId: "o1", attempt: 3, error: "x" }), "order-cleanup-o1-3"],
    ["order/cleanup.requested (restart)", orderCleanupRequested.once({ orderId: "o1", attempt: 3, error: "x" }, at), `order-cleanup-o1-3-${at.getTime()}`],
    ["vm/resize.apply-requested", resizeApplyRequested.once({ resizeRequestId: "r1", vmId: "v1", attempt: 2 }), "resize-apply-r1-2"],
    [
      "billing/vm.suspend-requested",
      billingSuspendRequested.once({ enforcementId: "e1", suspendedAt: at.toISOString() }),
      "billing-suspend-e1-2026-03-04T05:06:07.089Z",
    ],
    ["billing/vm.restore-requested", billingRestoreRequested.once({ enforcementId: "e1", episode: "ep2" }), "billing-restore-e1-ep2"],
    ["billing/vm.restore-requested (no episode)", billingRestoreRequested.once({ enforcementId: "e1", episode: null }), "billing-restore-e1-none"],
    ["billing/vm.delete-requested", billingDeleteRequested.once({ enforcementId: "e1", asOf: at.toISOString() }), "billing-delete-e1"],
    ["billing/subscription.reconcile-requested", billingReconcileRequested.once({ subscriptionId: "sub_1" }, "01NIGHTLY"), "reconcile-01NIGHTLY-sub_1"],
    ["billing/subscription.sync-requested", subscriptionSyncRequested.once({ subscriptionId: "sub_1", stripeEventId: "evt_1" }), "subscription-sync-evt_1"],
    ["billing/card.update-requested", cardUpdateRequested.once({ customerId: "cus_1", stripeEventId: "evt_1" }), "card-update-evt_1"],
    ["user/email.changed", userEmailChanged.once({ userId: "u1", changedAt: at.toISOString() }), `user-email-changed-u1-${at.getTime()}`],
    ["vm/firewall.sync-requested (rule change)", vmFirewallSyncRequested.once({ vmId: "v1", reason: "rules" }, { revision: 7 }), "vm-firewall-v1-r7"],
    [
      "vm/firewall.sync-requested (peers)",
      vmFirewallSyncRequested.once({ vmId: "v1", reason: "peers changed" }, { peersOf: "v2", at: 1700000000000 }),
      "vm-firewall-peers-v1-v2-1700000000000",
    ],
    [
      "vm/firewall.sync-requested (reconcile)",
      vmFirewallSyncRequested.once({ vmId: "v1", reason: "reconcile" }, { window: 1888888 }),
      "vm-firewall-reconcile-v1-1888888",
    ],
    ["reconcile/finding.apply-requested", reconcileApplyRequested.once({ findingId: "f1" }), "reconcile-apply-f1"],
    ["vm/hold.placed", vmHoldPlaced.once({ holdId: "h1", vmId: "v1" }), "vm-hold-placed-h1"],
    ["vm/hold.lifted", vmHoldLifted.once({ holdId: "h1", vmId: "v1" }), "vm-hold-lifted-h1"],
    ["vm/power.requested", vmPowerRequested.once({ powerRequestId: "p1", vmId: "v1" }), "p1"],
    ["vm/operation.requested", vmOperationRequested.once({ operationId: "op1", vmId: "v1" }), "op1"],
    ["vm/rebuild.requested", rebuildRequested.once({ operationId: "op1", vmId: "v1" }), "op1"],
  ])("%s", (_, event, id) => {
    expect(event.id).toBe(id);
  });

  it("the event carries its name and data unchanged, and idOf names the same id", () => {
    const event = orderPaid.once({ orderId: "o1", attempt: 1 });
    expect(event).toMatchObject({ name: "order/paid", id: "order-paid-o1-1", data: { orderId: "o1", attempt: 1 } });
    expect(orderPaid.idOf({ orderId: "o1", attempt: 1 })).toBe(event.id);
  });
});
