// "Payment required" (DESIGN §3 Enforcement): what the billing state forbids. Start, reboot,
// console and resize are refused for every VM of an account while any of its subscriptions is
// suspended (or later); snapshots and backups from `backups_blocked` on; new orders while anything
// is suspended. Shutdown, stop, reading and paying are never gated. Routes answer 402, pages and
// actions show `message`. Resize (#10) and snapshots call `billingGate` with their action.
import { UserFacingError } from "@/lib/actions/form-state";
import { db } from "@/lib/db";
import type { BillingState } from "@/lib/generated/prisma/client";
import { SUSPENDED_STATES } from "@/lib/billing-state/billing-state";
import { VmHeldError, vmHoldMessage } from "@/lib/vm-holds/hold-gate";

export type GatedAction = "start" | "reboot" | "console" | "resize" | "snapshot" | "backup" | "order";

export const PAYMENT_REQUIRED_MESSAGE =
  "Payment required: a subscription on your account is suspended for an unpaid invoice. Pay it on the Billing page and access is restored at once.";
const BACKUPS_MESSAGE = "Payment required: snapshots and backups are blocked until the overdue invoice is paid (see Billing).";

/** A typed domain error: routes map it to HTTP 402, actions to their message. */
export class PaymentRequiredError extends UserFacingError {
  readonly status = 402;
  constructor(message = PAYMENT_REQUIRED_MESSAGE) {
    super(message);
    this.name = "PaymentRequiredError";
  }
}

export type GateResult = { allowed: true } | { allowed: false; message: string; held?: true };

const suspended = [...SUSPENDED_STATES] as BillingState[];
const backupsBlocked: BillingState[] = ["backups_blocked", ...suspended];

type Reader = Pick<typeof db, "billingEnforcement" | "vm" | "vmHold">;

/** Whether `action` is allowed for the user (and, for VM actions, that VM). */
export async function billingGate(input: { userId: string; vmId?: string; action: GatedAction }, client: Reader = db): Promise<GateResult> {
  // A VM held apart from billing (abuse, a disputed payment: lib/vm-holds) refuses in the hold's words.
  const held = input.vmId ? await vmHoldMessage(input.vmId, input.userId, client) : null;
  if (held) return { allowed: false, message: held, held: true };
  const accountSuspended = (await client.billingEnforcement.count({ where: { userId: input.userId, state: { in: suspended } } })) > 0;
  if (input.action === "snapshot" || input.action === "backup") {
    if (accountSuspended) return { allowed: false, message: BACKUPS_MESSAGE };
    if (!input.vmId) return { allowed: true };
    const vm = await client.vm.findFirst({ where: { id: input.vmId, userId: input.userId }, select: { orderId: true } });
    if (!vm) return { allowed: true }; // not theirs: the caller's ownership check answers 404
    const blocked = await client.billingEnforcement.count({ where: { orderId: vm.orderId, state: { in: backupsBlocked } } });
    return blocked ? { allowed: false, message: BACKUPS_MESSAGE } : { allowed: true };
  }
  return accountSuspended ? { allowed: false, message: PAYMENT_REQUIRED_MESSAGE } : { allowed: true };
}

/** Throws PaymentRequiredError when the gate says no. */
export async function assertBillingAllows(input: { userId: string; vmId?: string; action: GatedAction }, client: Reader = db): Promise<void> {
  const gate = await billingGate(input, client);
  if (!gate.allowed) throw gate.held ? new VmHeldError(gate.message) : new PaymentRequiredError(gate.message);
}

/** Whether this VM's own subscription is suspended (the VM page says "suspended for billing"). */
export async function vmBillingState(vmOrderId: string): Promise<BillingState | null> {
  const row = await db.billingEnforcement.findUnique({ where: { orderId: vmOrderId }, select: { state: true } });
  return row?.state ?? null;
}
