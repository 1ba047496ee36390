// What a simulated customer does, through the product's own domain functions (what its pages'
// actions call) and Stripe's hosted pages (the stand-in's controls for them): buy a VM monthly or
// yearly (sometimes a declined card first, sometimes a build that fails), grow and shrink it, pay
// a grow during a power action, cancel and undo, let a card decline and update it, restore an
// ended VM while its data is kept; and what the operator does (approve deletions, refund a failed
// order). Each action returns a line for the log; what it expected is checked by ./check.ts.
import { generateKeyPairSync } from "node:crypto";
import type { Random } from "./random";
import type { CustomerClock } from "./clock";
import type { LifetimeWorld } from "./world";

export const GOOD_CARD = "4242424242424242";
export const DECLINE_CARD = "4000000000000002";
/** Stripe's "charge declined" card: attaches fine, every charge (renewals too) is declined. */
export const FAILING_CARD = "4000000000000341";
export const THREE_D_SECURE = "4000002500003155";

export interface SimOrder {
  orderId: string;
  sessionId: string;
  /** The build was made to fail (a Proxmox fault on the clone). */
  failBuild: boolean;
  /** Customer clock when the order failed (unix seconds), once it did. */
  failedAt: number | null;
}

export interface SimCustomer {
  index: number;
  userId: string;
  email: string;
  name: string;
  clock: CustomerClock;
  orders: SimOrder[];
  /** Their card now declines (set by the "card declines" event, cleared by "update card"). */
  cardFailing: boolean;
  advances: number;
  /** Lines describing what happened, for a failing seed's report. */
  log: string[];
  /** What the customer saw go wrong in an action (a refused checkout, an undo refused…): violations. */
  refusals: string[];
  /** Disputes their bank opened, each to be decided (won or lost, drawn by the seed) at `decideAt` (customer clock). */
  disputes: SimDispute[];
}

export interface SimDispute {
  disputeId: string;
  vmId: string;
  outcome: "won" | "lost";
  decideAt: number;
  decided: boolean;
}

export const DAY = 86_400;

/** An OpenSSH ed25519 public key line, always well formed. */
export function publicKeyLine(comment: string): string {
  const spki = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" });
  const part = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  const blob = Buffer.concat([part(Buffer.from("ssh-ed25519")), part(spki.subarray(spki.length - 32))]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function stripeCustomerOf(world: LifetimeWorld, c: SimCustomer): Promise<string | null> {
  return (await world.app.db.user.findUniqueOrThrow({ where: { id: c.userId }, select: { stripeCustomerId: true } })).stripeCustomerId;
}

/** The customer's VMs that exist (not destroyed), with their billing rows. */
export async function liveVms(world: LifetimeWorld, c: SimCustomer) {
  const { db } = world.app;
  const vms = await db.vm.findMany({ where: { userId: c.userId, status: { in: ["running", "stopped"] } }, include: { plan: true } });
  const rows = await db.billingEnforcement.findMany({ where: { orderId: { in: vms.map((v) => v.orderId) } } });
  return vms.map((vm) => ({ vm, row: rows.find((r) => r.orderId === vm.orderId) ?? null }));
}

// One purchase at a time across customers: a build made to fail does it with a fault on every
// clone, which must not reach another customer's build meanwhile.
let buying: Promise<unknown> = Promise.resolve();

/** Checkout as the plan page does it, then Stripe's hosted page: maybe a declined card first, maybe a build that fails. */
export function buy(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const turn = buying.then(() => buyNow(world, c, r));
  buying = turn.catch(() => undefined);
  return turn;
}

async function buyNow(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const { db, createOrder, checkoutSchema } = world.app;
  const plan = r.pick(["clab-starter", "eve-starter"] as const);
  const interval = r.chance(0.25) ? "year" : "month";
  const hostname = `life-${c.index}-${c.orders.length}-${r.int(0, 1e6).toString(36)}`;
  const input = checkoutSchema.parse({ plan, interval, hostname, newKey: publicKeyLine(`life@${c.index}`) });
  let orderId: string;
  try {
    ({ orderId } = await createOrder({ id: c.userId, email: c.email, name: c.name }, input));
  } catch (error) {
    c.refusals.push(`checkout for ${plan}/${interval} refused: ${message(error)}`);
    return `buy ${plan}/${interval}: refused (${message(error)})`;
  }
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
  const sim: SimOrder = { orderId, sessionId: order.stripeCheckoutSessionId!, failBuild: r.chance(0.12), failedAt: null };
  c.orders.push(sim);
  const notes: string[] = [];
  if (r.chance(0.2)) {
    const declined = world.stripeSim.payCheckout(sim.sessionId, { card: DECLINE_CARD });
    notes.push(`declined first (${declined.status})`);
    await world.settle();
    const done = await completePaymentAfterDecline(world, c, sim);
    notes.push(done);
    if (!sim.sessionId) return `buy ${plan}/${interval}: ${notes.join("; ")}`;
  }
  const fault = sim.failBuild ? world.proxmoxSim.setFault({ method: "POST", path: "/clone$", kind: "http500", message: "storage is offline" }) : null;
  try {
    const paid = world.stripeSim.payCheckout(sim.sessionId, { card: GOOD_CARD });
    notes.push(`paid (${paid.status})`);
    await world.settle();
  } finally {
    if (fault) world.proxmoxSim.removeFault(fault.id);
  }
  const after = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } });
  if (after.status === "failed") sim.failedAt = await c.clock.now();
  return `buy ${plan}/${interval}${sim.failBuild ? " (build made to fail)" : ""}: ${notes.join("; ")} → order ${after.status}`;
}

/** After a decline the order page must offer a way on: "Complete payment" (the open session, or a new one). */
async function completePaymentAfterDecline(world: LifetimeWorld, c: SimCustomer, sim: SimOrder): Promise<string> {
  const view = await world.app.getOrderView(c.userId, sim.orderId);
  if (!view?.actions?.completePayment || !view.actions.cancel) {
    c.refusals.push(`order ${sim.orderId} after a declined card offers no "Complete payment" and "Cancel order" (a dead end)`);
  }
  const completion = (
    world.app as unknown as { completeOrderPayment?: (input: { userId: string; orderId: string }) => Promise<{ checkoutUrl: string } | null> }
  ).completeOrderPayment;
  if (!completion) return "paying again on the same session";
  const next = await completion({ userId: c.userId, orderId: sim.orderId });
  if (!next) {
    c.refusals.push(`"Complete payment" for order ${sim.orderId} found nothing to pay`);
    return "complete payment: nothing";
  }
  const session = await world.app.db.order.findUniqueOrThrow({ where: { id: sim.orderId }, select: { stripeCheckoutSessionId: true } });
  sim.sessionId = session.stripeCheckoutSessionId!;
  return "complete payment";
}

/** More CPU and RAM, charged now; sometimes with a 3-D Secure card, paid on the hosted invoice page while a reboot runs. */
export async function upgrade(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const { db, quoteResize, requestResize, requestPower } = world.app;
  const candidates = (await liveVms(world, c)).filter(({ vm, row }) => vm.status === "running" && (!row || row.state === "active"));
  if (!candidates.length) return "upgrade: no running VM";
  const { vm } = r.pick(candidates);
  const maxV = vm.plan.maxVcpus ?? vm.plan.vcpus;
  const maxR = vm.plan.maxRamGb ?? vm.plan.ramGb;
  if (vm.vcpus >= maxV && vm.ramGb >= maxR) return `upgrade ${vm.name}: at the plan's maximum`;
  const totals = { vcpus: Math.min(maxV, vm.vcpus + 1), ramGb: Math.min(maxR, vm.ramGb + 2), diskGb: vm.diskGb };
  const duringPower = r.chance(0.35);
  const customerId = await stripeCustomerOf(world, c);
  try {
    const quote = await quoteResize({ userId: c.userId, vmId: vm.id, totals });
    if (!quote) return `upgrade ${vm.name}: not found`;
    if (duringPower && customerId) world.stripeSim.setCustomerCard(customerId, THREE_D_SECURE);
    const state = await requestResize({ userId: c.userId, resizeRequestId: quote.resizeRequestId });
    await world.settle();
    if (!duringPower || state?.status !== "awaiting_payment") return `upgrade ${vm.name} → ${totals.vcpus} vCPU/${totals.ramGb} GB: ${state?.status}`;
    // The customer clicks Reboot, then pays on the hosted invoice page while the reboot still runs.
    const request = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId } });
    const slow = world.proxmoxSim.setFault({ method: "POST", path: `/qemu/${vm.vmid}/status/reboot$`, kind: "slowTask", ms: 400, times: 1 });
    try {
      await requestPower({ userId: c.userId, vmId: vm.id, action: "reboot" });
      world.stripeSim.payInvoice(request.stripeInvoiceId!, GOOD_CARD);
      await world.settle();
    } finally {
      world.proxmoxSim.removeFault(slow.id);
      if (customerId) world.stripeSim.setCustomerCard(customerId, c.cardFailing ? FAILING_CARD : GOOD_CARD);
    }
    const after = await db.resizeRequest.findUniqueOrThrow({ where: { id: quote.resizeRequestId }, select: { status: true } });
    return `upgrade ${vm.name} with 3-D Secure, paid on the invoice page during a reboot: ${after.status}`;
  } catch (error) {
    if (customerId) world.stripeSim.setCustomerCard(customerId, c.cardFailing ? FAILING_CARD : GOOD_CARD);
    return `upgrade ${vm.name}: refused (${message(error)})`;
  }
}

/** Back towards the plan's size at the next renewal (a subscription schedule). */
export async function downgrade(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const { quoteResize, requestResize } = world.app;
  const candidates = (await liveVms(world, c)).filter(
    ({ vm, row }) => (!row || row.state === "active") && (vm.vcpus > vm.plan.vcpus || vm.ramGb > vm.plan.ramGb),
  );
  if (!candidates.length) return "downgrade: nothing above its plan";
  const { vm } = r.pick(candidates);
  const totals = { vcpus: vm.plan.vcpus, ramGb: vm.plan.ramGb, diskGb: vm.diskGb };
  try {
    const quote = await quoteResize({ userId: c.userId, vmId: vm.id, totals });
    if (!quote) return `downgrade ${vm.name}: not found`;
    const state = await requestResize({ userId: c.userId, resizeRequestId: quote.resizeRequestId });
    await world.settle();
    return `downgrade ${vm.name} at renewal: ${state?.status}`;
  } catch (error) {
    return `downgrade ${vm.name}: refused (${message(error)})`;
  }
}

/** Cancel at period end, or undo it (the undo must work until the period ends). */
export async function cancelOrUndo(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const { db, setCancelAtPeriodEnd } = world.app;
  const subs = await db.subscription.findMany({ where: { userId: c.userId, status: { in: ["active", "past_due"] } } });
  if (!subs.length) return "cancel: nothing live";
  const sub = r.pick(subs);
  const cancel = !sub.cancelAtPeriodEnd;
  try {
    await setCancelAtPeriodEnd({ userId: c.userId, subscriptionId: sub.id, cancel });
    await world.settle();
    return `${cancel ? "cancel at period end" : "undo cancellation"} of ${sub.stripeSubscriptionId}`;
  } catch (error) {
    if (!cancel) c.refusals.push(`"Undo cancellation" of ${sub.stripeSubscriptionId} refused before the period ended: ${message(error)}`);
    return `${cancel ? "cancel" : "undo"} refused (${message(error)})`;
  }
}

/** The card on file starts declining: the next renewal fails. */
export async function cardDeclines(world: LifetimeWorld, c: SimCustomer): Promise<string> {
  const customerId = await stripeCustomerOf(world, c);
  if (!customerId) return "card declines: no card yet";
  world.stripeSim.setCustomerCard(customerId, FAILING_CARD);
  c.cardFailing = true;
  return "card now declines";
}

/** A new card (the portal's "update payment method"), then every open invoice paid on its hosted page. */
export async function updateCardAndPay(world: LifetimeWorld, c: SimCustomer): Promise<string> {
  const customerId = await stripeCustomerOf(world, c);
  if (!customerId) return "update card: no customer";
  world.stripeSim.setCustomerCard(customerId, GOOD_CARD);
  c.cardFailing = false;
  const open = [...world.stripeSim.store.invoices.values()].filter((i) => i.customer === customerId && i.status === "open");
  for (const invoice of open) world.stripeSim.payInvoice(invoice.id, GOOD_CARD);
  await world.settle();
  return `card updated, ${open.length} open invoice(s) paid`;
}

/** "Restore this VM" on an ended VM whose data is kept: a checkout for its size; paid, the same VM starts again. */
export async function restoreEnded(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const { db } = world.app;
  const kept = await db.billingEnforcement.findMany({
    where: { userId: c.userId, state: { in: ["ended", "retained", "pending_deletion"] }, deletionApprovedAt: null },
  });
  const vms = await db.vm.findMany({ where: { orderId: { in: kept.map((k) => k.orderId) } } });
  const restorable = [];
  for (const vm of vms) if ((await world.app.loadVmBilling(c.userId, vm.id))?.canRestore) restorable.push(vm);
  if (!restorable.length) return "restore: nothing restorable";
  const vm = r.pick(restorable);
  // Restoring is a new order: refused, rightly, while money is owed past grace on another VM.
  const gate = await world.app.billingGate({ userId: c.userId, action: "order" });
  if (!gate.allowed) return `restore ${vm.name}: refused while money is owed (${gate.message})`;
  try {
    const started = await world.app.startVmRestore({ userId: c.userId, vmId: vm.id });
    if (!started) throw new Error("not this customer's VM");
    const { orderId } = started;
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    c.orders.push({ orderId, sessionId: order.stripeCheckoutSessionId!, failBuild: false, failedAt: null });
    world.stripeSim.payCheckout(order.stripeCheckoutSessionId!, { card: GOOD_CARD });
    await world.settle();
    const after = await db.vm.findUniqueOrThrow({ where: { id: vm.id }, select: { status: true } });
    return `restore ${vm.name}: VM ${after.status}`;
  } catch (error) {
    c.refusals.push(`"Restore this VM" for ${vm.name} refused during retention: ${message(error)}`);
    return `restore ${vm.name}: refused (${message(error)})`;
  }
}

/** The operator approves every deletion waiting for approval (what /admin/billing's button does). */
export async function operatorApproves(world: LifetimeWorld, adminId: string, c: SimCustomer): Promise<string> {
  const { db, approveDeletion } = world.app;
  const waiting = await db.billingEnforcement.findMany({ where: { userId: c.userId, state: "pending_deletion", deletionApprovedAt: null } });
  for (const row of waiting) await approveDeletion(row.id, adminId);
  return `operator approved ${waiting.length} deletion(s)`;
}

/** The clock moves on; Stripe renews, retries, finalizes; the product's clock-driven work runs. */
export async function advance(world: LifetimeWorld, c: SimCustomer, seconds: number): Promise<string> {
  const from = await c.clock.now();
  await c.clock.advanceTo(from + seconds);
  // Stripe's test_helpers.test_clock.ready runs the ladder for this customer (billing-clock-ready);
  // now and then the scheduled tick runs too, as its cron would.
  await world.settle();
  if (++c.advances % 8 === 0) await world.engine.invoke(world.app.ladderFunction);
  return `+${Math.round(seconds / 3600)} h → ${new Date((from + seconds) * 1000).toISOString().slice(0, 16)}`;
}

/**
 * The cardholder's bank disputes the charge that paid one of the customer's VMs (the Stripe
 * stand-in's dispute trigger, as a bank does): the dispute story holds that VM. The bank decides
 * it, won or lost as the seed draws, some days later (`decideDisputes`).
 */
export async function disputePayment(world: LifetimeWorld, c: SimCustomer, r: Random): Promise<string> {
  const { db } = world.app;
  const { store } = world.stripeSim;
  const disputed = new Set([...store.disputes.values()].map((d) => d.charge));
  const candidates: Array<{ vmId: string; name: string; invoiceId: string }> = [];
  for (const { vm } of await liveVms(world, c)) {
    if (c.disputes.some((d) => d.vmId === vm.id && !d.decided)) continue;
    const { stripeSubscriptionId } = await db.order.findUniqueOrThrow({ where: { id: vm.orderId }, select: { stripeSubscriptionId: true } });
    const paid = [...store.invoices.values()].filter(
      (i) =>
        i.parent?.subscription_details?.subscription === stripeSubscriptionId &&
        i.status === "paid" &&
        i.amount_paid > 0 &&
        !disputed.has(chargeOfInvoice(world, i.id) ?? ""),
    );
    for (const invoice of paid) candidates.push({ vmId: vm.id, name: vm.name, invoiceId: invoice.id });
  }
  if (!candidates.length) return "dispute: no paid charge to dispute";
  const pick = r.pick(candidates);
  const reason = r.pick(["fraudulent", "product_not_received", "subscription_canceled", "unrecognized"] as const);
  let disputeId: string;
  try {
    disputeId = world.stripeSim.disputeInvoice(pick.invoiceId, { reason }).id;
  } catch (error) {
    return `dispute ${pick.name}: the bank could not (${message(error)})`;
  }
  const outcome = r.chance(0.5) ? "won" : "lost";
  c.disputes.push({ disputeId, vmId: pick.vmId, outcome, decideAt: (await c.clock.now()) + r.int(3, 40) * DAY, decided: false });
  await world.settle();
  return `dispute of ${pick.name}'s invoice ${pick.invoiceId} (${reason}, to be ${outcome})`;
}

/** The bank decides every dispute whose day has come: won (the VM is restored) or lost (its subscription ends). */
export async function decideDisputes(world: LifetimeWorld, c: SimCustomer): Promise<string> {
  const now = await c.clock.now();
  const due = c.disputes.filter((d) => !d.decided && now >= d.decideAt);
  for (const d of due) {
    world.stripeSim.closeDispute(d.disputeId, d.outcome);
    d.decided = true;
  }
  await world.settle();
  return `bank decided ${due.map((d) => `${d.disputeId}: ${d.outcome}`).join(", ")}`;
}

/** The charge that paid an invoice, as the stand-in links them (its last payment record). */
function chargeOfInvoice(world: LifetimeWorld, invoiceId: string): string | null {
  return [...world.stripeSim.store.payments.values()].filter((p) => p.invoiceId === invoiceId).at(-1)?.chargeId ?? null;
}
