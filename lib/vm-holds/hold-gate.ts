// What a hold says to the customer (issue 25), read by the one gate every VM action passes
// (lib/billing-state/gates.ts): start, reboot, console, resize, snapshots and backups of a held VM
// are refused with the hold's own words — never the billing ladder's ("your invoice is unpaid"),
// never hypervisor detail (I4). Stop and shutdown stay open, as for billing.
import { UserFacingError } from "@/lib/errors";
import { db } from "@/lib/db";
import type { VmHoldKind } from "@/lib/generated/prisma/client";

type Reader = Pick<typeof db, "vmHold">;

export const DISPUTED_MESSAGE =
  "This VM is suspended because a payment for it was disputed with your bank. It stays stopped while the dispute is open; contact support if this is a mistake.";
export const FRAUD_MESSAGE = "This VM is stopped because the payment for it was reported as fraudulent by the card's bank. The payment was refunded.";
const ABUSE_REASONS: Record<string, string> = { abuse_report: "an abuse report", terms_violation: "a violation of the terms of service" };

export function holdMessage(hold: { kind: VmHoldKind; reason: string; customerNote: string | null }): string {
  if (hold.kind === "dispute") return DISPUTED_MESSAGE;
  if (hold.kind === "fraud_warning") return FRAUD_MESSAGE;
  const why = ABUSE_REASONS[hold.reason] ?? "a policy matter";
  return `This VM is suspended by the operator because of ${why}: ${hold.customerNote ?? "contact support for details"}. It cannot be started until the suspension is lifted.`;
}

/** The standing holds of a VM, oldest first. */
export const activeHoldsOf = (vmId: string, client: Reader = db) => client.vmHold.findMany({ where: { vmId, liftedAt: null }, orderBy: { createdAt: "asc" } });

/** The customer's words for the VM's oldest standing hold, or null (also for another user's VM: I5). */
export async function vmHoldMessage(vmId: string, userId: string, client: Reader = db): Promise<string | null> {
  const hold = await client.vmHold.findFirst({ where: { vmId, userId, liftedAt: null }, orderBy: { createdAt: "asc" } });
  return hold ? holdMessage(hold) : null;
}

/** Routes answer 403 (not 402: paying does not lift a hold), pages and actions show the message. */
export class VmHeldError extends UserFacingError {
  readonly status = 403;
  constructor(message: string) {
    super(message);
    this.name = "VmHeldError";
  }
}

export const isVmHeld = async (vmId: string, client: Reader = db) => (await client.vmHold.count({ where: { vmId, liftedAt: null } })) > 0;
