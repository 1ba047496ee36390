// "Payment required" (DESIGN §3 Enforcement, I12): what billing forbids, and why, in the words of
// the story the VM is in. VM actions (start, reboot, console, resize, snapshots, backups) are gated
// by that VM's own subscription only: a customer's other VMs are never touched by one VM's story.
// The one account-wide gate (new orders) closes only while the customer owes money past the grace
// the ladder allows (a subscription in the overdue story that reached suspension). Shutdown, stop,
// reading and paying are never gated. Routes answer 402, pages and actions show `message`.
import { PaymentRequiredError } from "@/lib/errors";
import { db } from "@/lib/db";
import type { BillingState } from "@/lib/generated/prisma/client";
import { SUSPENDED_STATES } from "@/lib/billing-state/billing-state";
import { storyOfRow } from "@/lib/billing-state/billing-story";
import { VmHeldError, vmHoldMessage } from "@/lib/vm-holds/hold-gate";

export type GatedAction = "start" | "reboot" | "console" | "resize" | "snapshot" | "backup" | "order";

export const PAYMENT_REQUIRED_MESSAGE =
  "Payment required: an invoice for this VM is unpaid, so it is suspended. Pay it on the Billing page and access is restored at once.";
export const ACCOUNT_PAYMENT_REQUIRED_MESSAGE =
  "Payment required: an invoice on your account is unpaid and one of your VMs is suspended for it. Pay it on the Billing page, then order again.";
const BACKUPS_MESSAGE = "Payment required: snapshots and backups of this VM are blocked until its overdue invoice is paid (see Billing).";
const ENDED_MESSAGE = "This VM's subscription has ended, so it is stopped. Its data is kept for now: restore it from this page to use it again.";
const GONE_MESSAGE = "This VM has been deleted.";

export type GateResult = { allowed: true } | { allowed: false; message: string; held?: true };

type GateRow = { state: BillingState; overdueSince: Date | null; endedAt: Date | null; endReason: string | null };
type Reader = Pick<typeof db, "billingEnforcement" | "vm" | "vmHold">;

const STOPPED: ReadonlySet<BillingState> = new Set(["suspended", "retained", "pending_deletion", "ended", "deleted", "superseded"]);
const BACKUPS_BLOCKED: ReadonlySet<BillingState> = new Set(["backups_blocked", ...STOPPED]);
const gateFields = { state: true, overdueSince: true, endedAt: true, endReason: true } as const;

/** What this VM's own billing row forbids for `action`. */
export function vmGate(row: GateRow | null, action: Exclude<GatedAction, "order">): GateResult {
  if (!row) return { allowed: true };
  if (row.state === "deleted") return { allowed: false, message: GONE_MESSAGE };
  const owes = storyOfRow(row) === "overdue";
  if ((action === "snapshot" || action === "backup") && BACKUPS_BLOCKED.has(row.state)) {
    return { allowed: false, message: owes ? BACKUPS_MESSAGE : ENDED_MESSAGE };
  }
  if (STOPPED.has(row.state)) return { allowed: false, message: owes ? PAYMENT_REQUIRED_MESSAGE : ENDED_MESSAGE };
  return { allowed: true };
}

/**
 * Whether the customer owes money past the ladder's grace: a subscription in the overdue story that
 * reached suspension (its VM stopped) and is not paid. The account-wide gate reads only this.
 */
export async function owesMoneyPastGrace(userId: string, client: Pick<typeof db, "billingEnforcement"> = db): Promise<boolean> {
  const rows = await client.billingEnforcement.findMany({ where: { userId, state: { in: [...SUSPENDED_STATES] } }, select: gateFields });
  return rows.some((row) => storyOfRow(row) === "overdue");
}

/** Whether `action` is allowed for the user (and, for VM actions, that VM). */
export async function billingGate(input: { userId: string; vmId?: string; action: GatedAction }, client: Reader = db): Promise<GateResult> {
  // A VM held apart from billing (abuse, a disputed payment: lib/vm-holds) refuses in the hold's words.
  const held = input.vmId ? await vmHoldMessage(input.vmId, input.userId, client) : null;
  if (held) return { allowed: false, message: held, held: true };
  if (input.action === "order") {
    return (await owesMoneyPastGrace(input.userId, client)) ? { allowed: false, message: ACCOUNT_PAYMENT_REQUIRED_MESSAGE } : { allowed: true };
  }
  if (!input.vmId) return { allowed: true };
  const vm = await client.vm.findFirst({ where: { id: input.vmId, userId: input.userId }, select: { orderId: true } });
  if (!vm) return { allowed: true }; // not theirs: the caller's ownership check answers 404
  const row = await client.billingEnforcement.findUnique({ where: { orderId: vm.orderId }, select: gateFields });
  return vmGate(row, input.action);
}

/** Throws PaymentRequiredError when the gate says no. */
export async function assertBillingAllows(input: { userId: string; vmId?: string; action: GatedAction }, client: Reader = db): Promise<void> {
  const gate = await billingGate(input, client);
  if (!gate.allowed) throw gate.held ? new VmHeldError(gate.message) : new PaymentRequiredError(gate.message);
}

/** This VM's own billing state (the VM page says "suspended" or "ended", never "broken"). */
export async function vmBillingState(vmOrderId: string): Promise<BillingState | null> {
  const row = await db.billingEnforcement.findUnique({ where: { orderId: vmOrderId }, select: { state: true } });
  return row?.state ?? null;
}
