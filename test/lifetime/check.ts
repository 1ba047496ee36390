// The lifetime invariants, checked for one customer after every step from three sources: Stripe's
// own state (the stand-in's objects), Proxmox's (the stand-in's machines) and ours (the database
// and what the product's pages would show). Each violation is one sentence naming the invariant.
import type Stripe from "stripe";
import type { SimCustomer } from "./drive";
import { DAY } from "./drive";
import type { LifetimeWorld } from "./world";

const HOUR = 3_600;
const STOPPED_OR_GONE = new Set(["stopped", undefined]);
/** Words that belong to money owed, never to a VM its customer cancelled. */
const UNPAID_WORDS = /unpaid|overdue|suspended for billing|pay (the|it|now)|payment required/i;

type Facts = {
  sub: Stripe.Subscription;
  live: boolean;
  /** Oldest open or uncollectible renewal invoice's finalization (unix), or null. */
  overdueSince: number | null;
  endedAt: number | null;
  endedByCustomer: boolean;
  openInvoices: Stripe.Invoice[];
};

function stripeFacts(world: LifetimeWorld, customerId: string): Facts[] {
  const { store } = world.stripeSim;
  const invoices = [...store.invoices.values()].filter((i) => i.customer === customerId);
  return [...store.subscriptions.values()]
    .filter((s) => s.customer === customerId)
    .map((sub) => {
      const mine = invoices.filter((i) => i.parent?.subscription_details?.subscription === sub.id);
      const owed = mine.filter((i) => (i.status === "open" || i.status === "uncollectible") && i.billing_reason === "subscription_cycle");
      const since = owed.map((i) => i.status_transitions.finalized_at ?? i.created);
      const live = sub.status !== "canceled" && sub.status !== "incomplete_expired";
      return {
        sub,
        live,
        overdueSince: since.length ? Math.min(...since) : null,
        endedAt: live ? null : (sub.ended_at ?? sub.canceled_at),
        endedByCustomer: !live && sub.cancellation_details?.reason === "cancellation_requested",
        openInvoices: mine.filter((i) => i.status === "open"),
      };
    });
}

export type CheckContext = { stepStartedAt: Date };

export async function checkCustomer(world: LifetimeWorld, c: SimCustomer, ctx: CheckContext): Promise<string[]> {
  const v: string[] = [];
  const { db, env, billingGate, loadCustomerBilling, loadVmBilling, getOrderView, stripe } = world.app;
  const config = env();
  const now = await c.clock.now();
  const user = await db.user.findUniqueOrThrow({ where: { id: c.userId }, select: { stripeCustomerId: true } });
  v.push(...c.refusals.splice(0).map((r) => `refused: ${r}`));
  const orders = await db.order.findMany({ where: { userId: c.userId }, include: { vm: true } });
  const rows = await db.billingEnforcement.findMany({ where: { userId: c.userId } });
  const facts = user.stripeCustomerId ? stripeFacts(world, user.stripeCustomerId) : [];
  const orderOf = (subId: string) => orders.find((o) => o.stripeSubscriptionId === subId);
  const vmOfSub = (subId: string) => orderOf(subId)?.vm ?? null;
  const owesPastGrace = facts.some((f) => f.overdueSince !== null && now >= f.overdueSince + config.BILLING_SUSPEND_HOURS * HOUR);
  // VMs held apart from billing (issue 25: a disputed payment) follow their hold, not their subscription.
  const heldVmIds = new Set((await db.vmHold.findMany({ where: { userId: c.userId, liftedAt: null }, select: { vmId: true } })).map((h) => h.vmId));

  for (const f of facts) {
    const order = orderOf(f.sub.id);
    const vm = vmOfSub(f.sub.id);
    const row = rows.find((r) => r.stripeSubscriptionId === f.sub.id) ?? null;
    const machine = vm?.vmid != null ? world.proxmoxSim.vm(vm.vmid) : undefined;
    const label = `subscription ${f.sub.id} (${vm?.name ?? order?.id ?? "no order"})`;

    // I11: a live subscription belongs to a live or retained VM, or to an order still being built.
    if (f.live) {
      const building = order && (order.status === "paid" || order.status === "provisioning" || order.status === "failed");
      const vmLive = vm && (vm.status === "running" || vm.status === "stopped" || vm.status === "provisioning");
      if (!order) v.push(`I11: live ${label} belongs to no order`);
      else if (!building && !vmLive) v.push(`I11: live ${label} but its VM is ${vm?.status ?? "missing"} (order ${order.status})`);
    }
    if (vm?.status === "destroyed" && f.openInvoices.length) v.push(`I11: ${label} has ${f.openInvoices.length} open invoice(s) for a deleted VM`);

    const owed = f.overdueSince !== null;
    const paidUp = f.live && !owed;
    // I12: a VM whose own subscription is paid is never refused, whatever its siblings do.
    if (paidUp && vm && !heldVmIds.has(vm.id) && (vm.status === "running" || vm.status === "stopped")) {
      for (const action of ["start", "console", "resize"] as const) {
        const gate = await billingGate({ userId: c.userId, vmId: vm.id, action });
        if (!gate.allowed) v.push(`I12: ${vm.name} refused ${action} although its own subscription is paid ("${gate.message}")`);
      }
      if (vm.status === "running" || machine?.status === "stopped") {
        // (the customer never stops a VM in this simulation; billing must not either)
        if (machine && machine.status !== "running" && !f.sub.pending_update) v.push(`I12: ${vm.name} is ${machine.status} although its subscription is paid`);
      }
    }
    // I6 on the customer's clock: owed past the suspension rung → stopped, kept, never deleted first.
    if (owed && vm && now >= f.overdueSince! + (config.BILLING_SUSPEND_HOURS + 24) * HOUR) {
      if (!row || !["suspended", "retained", "pending_deletion", "deleted"].includes(row.state))
        v.push(`I6: ${label} owed since ${iso(f.overdueSince!)}, customer clock ${iso(now)}, but its billing state is ${row?.state ?? "none"}`);
      if (vm.status !== "destroyed" && !STOPPED_OR_GONE.has(machine?.status))
        v.push(`I6: ${vm.name} still runs ${days(now - f.overdueSince!)} after its renewal went unpaid`);
    }
    // Ended by the customer: the VM stops at the period end, its data is kept, no money words.
    if (f.endedByCustomer && !owed && vm) {
      if (now >= f.endedAt! + DAY && vm.status !== "destroyed" && !STOPPED_OR_GONE.has(machine?.status))
        v.push(`I12: ${vm.name} still runs ${days(now - f.endedAt!)} after its customer's cancellation took effect`);
      if (vm.status === "running" || vm.status === "stopped") {
        const panel = await loadVmBilling(c.userId, vm.id);
        const words = JSON.stringify(panel ?? {});
        if (UNPAID_WORDS.test(words)) v.push(`I12: ${vm.name}, cancelled by its customer, is described as unpaid: ${panel?.label}`);
      }
      if (row?.endedAt) {
        // The emails of this ending (their keys end with its episode); an earlier overdue episode, paid up since, had its own words.
        const sent = await db.emailOutbox.findMany({
          where: { key: { startsWith: `billing:${row.id}:`, endsWith: `:${row.endedAt.toISOString()}` } },
          select: { subject: true, text: true },
        });
        for (const mail of sent)
          if (UNPAID_WORDS.test(mail.text)) v.push(`I12: ${vm.name}, cancelled by its customer, got the email "${mail.subject}" about an unpaid invoice`);
      }
    }
    // I6: deletion only after the retention window and an approval (or the policy switch).
    if (vm?.status === "destroyed" && row) {
      if (row.state !== "deleted") v.push(`I6: ${vm.name} destroyed while its billing state is ${row.state}`);
      if (!row.deletionApprovedAt && !config.BILLING_AUTO_DELETE) v.push(`I6: ${vm.name} deleted without an operator's approval`);
      if (!row.retainUntil) v.push(`I6: ${vm.name} deleted with no retention window recorded`);
    }
  }
  v.push(...(await checkDisputes(world, c, facts)));

  if (!owesPastGrace && orders.length) {
    const gate = await billingGate({ userId: c.userId, action: "order" });
    if (!gate.allowed) v.push(`I12: new orders refused although nothing is owed past grace ("${gate.message}")`);
  }

  // I11: every paid order ends with a running VM or a full refund (by the deadline it promised).
  for (const sim of c.orders) {
    const order = orders.find((o) => o.id === sim.orderId);
    if (!order) continue;
    if (order.status === "failed") {
      sim.failedAt ??= now;
      const view = (await getOrderView(c.userId, order.id)) as { message: string | null } | null;
      if (now >= sim.failedAt + config.CLEANUP_DEADLINE_HOURS * HOUR + DAY)
        v.push(`I11: order ${order.id} failed ${days(now - sim.failedAt)} ago (customer clock) and is neither running nor refunded`);
      else if (!/refunded in full by/i.test(view?.message ?? ""))
        v.push(`I11: failed order ${order.id} does not tell the customer when they are refunded ("${view?.message}")`);
    }
  }

  // What /billing says about money is what Stripe says: "Renews on … for …" is the upcoming invoice.
  const views = await loadCustomerBilling(c.userId);
  const mirror = await db.subscription.findMany({ where: { userId: c.userId }, select: { id: true, stripeSubscriptionId: true } });
  for (const view of views) {
    const stripeId = mirror.find((m) => m.id === view.id)?.stripeSubscriptionId;
    const f = facts.find((x) => x.sub.id === stripeId);
    if (!f || !view.renewal) continue;
    if (!f.live) {
      v.push(`I11: /billing says ${view.vm?.name ?? view.planName} renews on ${iso(view.renewal.at.getTime() / 1000)} but Stripe ended it`);
      continue;
    }
    const preview = await stripe().invoices.createPreview({ subscription: f.sub.id });
    const periodEnd = Math.min(...f.sub.items.data.map((i) => i.current_period_end));
    if (view.renewal.amountMinor !== preview.amount_due)
      v.push(
        `I11: /billing says ${view.vm?.name ?? view.planName} renews for ${view.renewal.amountMinor} but Stripe's upcoming invoice is ${preview.amount_due}`,
      );
    if (view.renewal.at.getTime() !== periodEnd * 1000)
      v.push(
        `I11: /billing says ${view.vm?.name ?? view.planName} renews on ${iso(view.renewal.at.getTime() / 1000)} but Stripe renews it on ${iso(periodEnd)}`,
      );
    if (view.story === "ended_by_customer" && view.invoices.some((i) => i.status === "open") && view.payable)
      v.push(`I12: /billing offers to pay an invoice of ${view.vm?.name ?? view.planName}, which its customer cancelled`);
  }

  // Paid resizes are applied (a power action on the VM is waited for, never a failure).
  const failedResizes = await db.resizeRequest.findMany({ where: { userId: c.userId, status: "failed" }, select: { id: true, failureReason: true } });
  for (const r of failedResizes) v.push(`resize ${r.id} was paid but failed: ${r.failureReason}`);

  // One email per step: no message twice.
  const mails = await db.emailOutbox.findMany({ where: { to: c.email, createdAt: { gte: ctx.stepStartedAt } }, select: { subject: true, text: true } });
  const seen = new Set<string>();
  for (const m of mails) {
    const key = `${m.subject}\n${m.text}`;
    if (seen.has(key)) v.push(`I3: the email "${m.subject}" went out twice in one step`);
    seen.add(key);
  }
  return v;
}

/** Words that say a payment was disputed (the hold's), never the ladder's. */
const DISPUTED_WORDS = /payment for it was disputed/i;

/**
 * Issue 25: a disputed payment holds exactly its own VM, stopped, in the dispute's words (no money
 * words), until the bank decides; won → the hold is lifted; lost → the subscription is cancelled
 * with no refund (the money is already gone) and the VM never runs again. No other VM is held.
 */
async function checkDisputes(world: LifetimeWorld, c: SimCustomer, facts: Facts[]): Promise<string[]> {
  const v: string[] = [];
  const { db, billingGate } = world.app;
  const { store } = world.stripeSim;
  for (const d of c.disputes) {
    const vm = await db.vm.findUnique({ where: { id: d.vmId } });
    const dispute = store.disputes.get(d.disputeId);
    if (!vm || !dispute) continue;
    const hold = await db.vmHold.findUnique({ where: { stripeObjectId: d.disputeId } });
    const machine = vm.vmid != null ? world.proxmoxSim.vm(vm.vmid) : undefined;
    const label = `${vm.name} (dispute ${d.disputeId}, ${d.decided ? d.outcome : "open"})`;
    const alive = vm.status === "running" || vm.status === "stopped";
    if (!d.decided || d.outcome === "lost") {
      if (!hold) v.push(`I6: ${label}: its payment is disputed but it was never held`);
      if (alive && machine?.status === "running") v.push(`I6: ${label} runs although its payment is disputed`);
    }
    if (!d.decided && hold && alive) {
      if (hold.liftedAt) v.push(`I6: ${label}: the hold was lifted before the bank decided`);
      const gate = await billingGate({ userId: c.userId, vmId: vm.id, action: "start" });
      if (gate.allowed) v.push(`I6: ${label} may be started while its payment is disputed`);
      else if (!DISPUTED_WORDS.test(gate.message) || UNPAID_WORDS.test(gate.message)) v.push(`I12: ${label} is refused in the wrong words: "${gate.message}"`);
    }
    if (d.decided && d.outcome === "won" && hold && !hold.liftedAt) v.push(`I7: ${label}: the dispute was won but the VM is still held`);
    if (d.decided && d.outcome === "lost") {
      const { stripeSubscriptionId } = await db.order.findUniqueOrThrow({ where: { id: vm.orderId }, select: { stripeSubscriptionId: true } });
      const f = facts.find((x) => x.sub.id === stripeSubscriptionId);
      if (f?.live) v.push(`I11: ${label}: the dispute was lost but its subscription ${f.sub.id} is still ${f.sub.status}`);
      const refunded = [...store.refunds.values()].filter((r) => r.charge === dispute.charge);
      if (refunded.length) v.push(`I11: ${label}: the charge was refunded after the bank had already taken it back`);
    }
  }
  // I12: only the VM whose own payment is disputed is held for a dispute.
  const disputeHolds = await db.vmHold.findMany({ where: { userId: c.userId, kind: "dispute", liftedAt: null }, select: { vmId: true, stripeObjectId: true } });
  for (const h of disputeHolds)
    if (!c.disputes.some((d) => d.disputeId === h.stripeObjectId && d.vmId === h.vmId))
      v.push(`I12: VM ${h.vmId} is held for dispute ${h.stripeObjectId}, not its own`);
  return v;
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 16);
const days = (seconds: number) => `${(seconds / DAY).toFixed(1)} days`;
