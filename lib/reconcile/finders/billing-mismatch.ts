// Money follows machines (I11): a subscription Stripe still bills whose VM is gone (neither live,
// retained nor being built), and a live VM whose subscription Stripe no longer bills.
import { ensurePower } from "@/lib/proxmox/machine";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { listClusterVms } from "@/lib/proxmox/api";
import { vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";
import { LIVE_VM_STATUSES, RETAINED_BILLING_STATES, type Finder } from "@/lib/reconcile/world";

const BILLING = ["active", "past_due", "unpaid", "trialing"];

export const subscriptionWithoutVm: Finder = {
  kind: "subscription_without_vm",
  action: { label: "Cancel the subscription now", destructive: true },
  find(world) {
    const withVm = new Set(world.vms.map((v) => v.stripeSubscriptionId).filter(Boolean));
    const building = new Set([...world.ordersInFlight.map((o) => o.stripeSubscriptionId), ...world.ordersInFlight.map((o) => o.id)]);
    return world.subscriptions
      .filter((s) => !withVm.has(s.id) && !building.has(s.id) && !(s.orderId && building.has(s.orderId)))
      .map((s) => ({
        subject: s.id,
        summary: `Stripe bills subscription ${s.id} (${s.status}) but it has no live or retained VM`,
        evidence: { subscriptionId: s.id, status: s.status, customer: s.customer, orderId: s.orderId },
      }));
  },
  async apply(finding) {
    const { subscriptionId } = finding.evidence as { subscriptionId: string };
    if (await db.vm.count({ where: { order: { stripeSubscriptionId: subscriptionId }, status: { not: "destroyed" } } }))
      return "a live VM belongs to it now: left alone";
    const subscription = await stripe().subscriptions.retrieve(subscriptionId);
    if (!BILLING.includes(subscription.status)) return `already ${subscription.status}`;
    await stripe().subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `reconcile-${finding.id}-cancel` });
    return `canceled subscription ${subscriptionId}`;
  },
};

export const vmWithoutSubscription: Finder = {
  kind: "vm_without_subscription",
  action: { label: "Stop the VM", destructive: false },
  find(world) {
    const billing = new Set(world.subscriptions.map((s) => s.id));
    return world.vms
      .filter((v) => LIVE_VM_STATUSES.includes(v.status) && v.vmid !== null && v.stripeSubscriptionId && !billing.has(v.stripeSubscriptionId))
      .filter((v) => !v.billingState || ![...RETAINED_BILLING_STATES, "canceled_at_period_end"].includes(v.billingState))
      .map((v) => ({
        subject: v.id,
        summary: `VM ${v.name} (${v.vmid}) is ${v.status} but Stripe no longer bills its subscription`,
        evidence: { vmId: v.id, vmid: v.vmid, subscriptionId: v.stripeSubscriptionId, billingState: v.billingState },
      }));
  },
  async apply(finding) {
    const { vmId, vmid, subscriptionId } = finding.evidence as { vmId: string; vmid: number; subscriptionId: string };
    const subscription = await stripe().subscriptions.retrieve(subscriptionId);
    if (BILLING.includes(subscription.status)) return `Stripe bills it again (${subscription.status}): left running`;
    const guest = (await listClusterVms()).find((g) => g.vmid === vmid);
    if (!guest) return `guest ${vmid} is not in Proxmox`;
    await ensurePower({ node: guest.node, vmid }, "stopped", vmSlotHolder(vmId, `reconcile:${finding.id}:stop`), "hard stop");
    await transitionVm(vmId, ["running", "stopped"], "stopped");
    return `stopped VM ${vmid}`;
  },
};
