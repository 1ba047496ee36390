// What a hold does to the machine and the subscription, as idempotent steps for the vm-hold Inngest
// function (I2, I3). Placed: consoles closed, `onboot` off, graceful shutdown then hard stop (the
// billing suspension's own steps, lib/billing-state/enforce-vm.ts), collection paused when the
// operator chose it. Lifted: collection resumed and `onboot` put back only when nothing else holds
// the VM (another hold, or a billing suspension); the VM stays stopped for the customer to start.
import { recordAudit } from "@/lib/audit/record-audit";
import { billingGate } from "@/lib/billing-state/gates";
import { revokeAccess, stopSuspendedVm } from "@/lib/billing-state/enforce-vm";
import { stripe } from "@/lib/billing/stripe";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { getVmConfig, getVmStatus, setVmConfig } from "@/lib/proxmox/api";
import { vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";
import { ensurePower } from "@/lib/proxmox/machine";
import { withLockRetry } from "@/lib/proxmox/tasks";

export type HeldVm = { holdId: string; vmId: string; vmid: number; node: string } | null;

export const isHoldStanding = async (holdId: string) => !!(await db.vmHold.findFirst({ where: { id: holdId, liftedAt: null }, select: { id: true } }));

/** The built VM behind a hold, if it exists and can be powered. */
export async function loadHeldVm(holdId: string): Promise<HeldVm> {
  const { vmId } = await db.vmHold.findUniqueOrThrow({ where: { id: holdId }, select: { vmId: true } });
  const vm = await db.vm.findUnique({ where: { id: vmId }, select: { status: true, vmid: true, nodeName: true } });
  if (!vm || vm.vmid === null || !vm.nodeName || (vm.status !== "running" && vm.status !== "stopped")) return null;
  return { holdId, vmId, vmid: vm.vmid, node: vm.nodeName };
}

// The billing suspension's steps take its target shape; they use only the VM's ids.
const asTarget = (held: NonNullable<HeldVm>) => ({ enforcementId: held.holdId, vmId: held.vmId, vmid: held.vmid, node: held.node });

/** Records how the hold found the machine (once: a re-run must not record our own stop). */
export async function recordPowerBeforeHold(held: NonNullable<HeldVm>): Promise<string> {
  const [status, config] = await Promise.all([withLockRetry(() => getVmStatus(held.node, held.vmid)), withLockRetry(() => getVmConfig(held.node, held.vmid))]);
  await db.vmHold.updateMany({
    where: { id: held.holdId, powerBeforeHold: null },
    data: { powerBeforeHold: status.status, onbootBeforeHold: String(config.onboot ?? "0") === "1" },
  });
  return status.status;
}

export const closeAccessOfHeldVm = (held: NonNullable<HeldVm>) => revokeAccess(asTarget(held));
export const stopHeldVm = (held: NonNullable<HeldVm>) => stopSuspendedVm(asTarget(held));

export async function markHoldStopped(holdId: string, how: string) {
  const { count } = await db.vmHold.updateMany({ where: { id: holdId, stoppedAt: null }, data: { stoppedAt: new Date() } });
  if (count === 1) {
    const { vmId } = await db.vmHold.findUniqueOrThrow({ where: { id: holdId }, select: { vmId: true } });
    await recordAudit({ type: "system" }, "vm.hold_stopped", { type: "vm", id: vmId }, { holdId, how });
  }
}

async function subscriptionOfHold(holdId: string) {
  const hold = await db.vmHold.findUniqueOrThrow({ where: { id: holdId }, select: { vmId: true, pauseBilling: true } });
  const vm = await db.vm.findUniqueOrThrow({ where: { id: hold.vmId }, select: { orderId: true } });
  const sub = await db.subscription.findUnique({ where: { orderId: vm.orderId }, select: { stripeSubscriptionId: true } });
  return { ...hold, stripeSubscriptionId: sub?.stripeSubscriptionId ?? null };
}

/**
 * The operator chose "pause billing": Stripe's `pause_collection` with `void` (the service is not
 * provided while suspended: docs.stripe.com/billing/subscriptions/pause-payment), re-read first.
 */
export async function pauseCollectionForHold(holdId: string): Promise<string> {
  const { pauseBilling, stripeSubscriptionId, vmId } = await subscriptionOfHold(holdId);
  if (!pauseBilling) return "billing continues";
  if (!stripeSubscriptionId) return "no subscription";
  const live = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  if (live.status === "canceled" || live.status === "incomplete_expired") return `subscription ${live.status}`;
  if (live.pause_collection) return "already paused";
  await stripe().subscriptions.update(stripeSubscriptionId, { pause_collection: { behavior: "void" } }, { idempotencyKey: `vm-hold-pause-${holdId}` });
  await recordAudit({ type: "system" }, "vm.hold_billing_paused", { type: "vm", id: vmId }, { holdId, stripeSubscriptionId });
  return "paused";
}

/** Resumes collection this hold paused, unless another standing hold of the VM still pauses it. */
export async function resumeCollectionAfterLift(holdId: string): Promise<string> {
  const { pauseBilling, stripeSubscriptionId, vmId } = await subscriptionOfHold(holdId);
  if (!pauseBilling || !stripeSubscriptionId) return "nothing paused";
  if (await db.vmHold.count({ where: { vmId, liftedAt: null, pauseBilling: true } })) return "another suspension keeps it paused";
  const live = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  if (!live.pause_collection || live.status === "canceled") return "not paused";
  await stripe().subscriptions.update(stripeSubscriptionId, { pause_collection: "" }, { idempotencyKey: `vm-hold-resume-${holdId}` });
  await recordAudit({ type: "system" }, "vm.hold_billing_resumed", { type: "vm", id: vmId }, { holdId, stripeSubscriptionId });
  return "resumed";
}

/**
 * After a lift, only when nothing else holds the VM (the gate allows start: no other hold, no
 * billing suspension): `onboot` back as the hold found it, and a VM held for a dispute that was
 * won is started again when it was running and RESTORE_POWER=previous (I7's rule). An operator's
 * abuse suspension is lifted to a stopped VM: its owner starts it.
 */
export async function restoreAfterLift(holdId: string): Promise<string> {
  const hold = await db.vmHold.findUniqueOrThrow({
    where: { id: holdId },
    select: { vmId: true, userId: true, kind: true, onbootBeforeHold: true, powerBeforeHold: true },
  });
  if (!(await billingGate({ userId: hold.userId, vmId: hold.vmId, action: "start" })).allowed) return "still held or suspended";
  const held = await loadHeldVm(holdId);
  if (!held) return "no VM";
  if (hold.onbootBeforeHold) await withLockRetry(() => setVmConfig(held.node, held.vmid, { onboot: 1 }));
  if (hold.kind !== "dispute" || hold.powerBeforeHold !== "running") return hold.onbootBeforeHold ? "onboot restored" : "left stopped";
  if (env().RESTORE_POWER !== "previous") return "left stopped (RESTORE_POWER=never)";
  await ensurePower(held, "running", vmSlotHolder(held.vmId, "hold-start"), "start");
  await transitionVm(held.vmId, ["running", "stopped"], "running");
  await recordAudit({ type: "system" }, "vm.hold_restored", { type: "vm", id: held.vmId }, { holdId });
  return "started again";
}
