"use server";
// The operator suspends a VM for abuse, or lifts a suspension (issue 25, Build 3). placeHold and
// liftHold validate the VM, write the audit and hand the machine work to the vm-hold function (I2).
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { formatMoney } from "@/lib/format/money";
import { refundCancelAndStop } from "@/lib/payment-risk/fraud-warning";
import { abuseHoldSchema, liftHoldSchema, liftHold, placeHold } from "@/lib/vm-holds/place-hold";

export const suspendVmForAbuseAction = validatedAdminAction(abuseHoldSchema, async ({ vmId, reason, customerNote, billing }, { user }) => {
  const { created } = await placeHold({ vmId, kind: "abuse", reason, customerNote, pauseBilling: billing === "pause", actor: { type: "admin", id: user.id } });
  revalidatePath("/admin/orders");
  return { status: "success", message: created ? "Suspended: the VM is being stopped and the customer emailed." : "This VM is already suspended." };
});

export const liftVmHoldAction = validatedAdminAction(liftHoldSchema, async ({ holdId }, { user }) => {
  const lifted = await liftHold({ holdId, actor: { type: "admin", id: user.id } });
  revalidatePath("/admin/orders");
  return { status: "success", message: lifted ? "Suspension lifted; the VM stays stopped for its owner to start." : "Already lifted." };
});

// "Refund, cancel and stop" on an early fraud warning (issue 25, Build 2): money leaves the business,
// so the button asks first; refundCancelAndStop is idempotent (a double click refunds once) and audited.
const fraudSchema = z.object({
  warningId: z
    .string()
    .trim()
    .regex(/^issfr_[A-Za-z0-9]+$/, "Unknown fraud warning."),
});
export const refundCancelAndStopAction = validatedAdminAction(fraudSchema, async ({ warningId }, { user }) => {
  const outcome = await refundCancelAndStop({ warningId, actor: { type: "admin", id: user.id } });
  revalidatePath("/admin/orders");
  const refunded = outcome.refunded > 0 ? `${formatMoney(outcome.refunded, outcome.currency)} refunded` : "nothing left to refund";
  return {
    status: "success",
    message: `Done: ${refunded}, subscription ${outcome.canceled ? "cancelled" : "already ended"}, VM ${outcome.holdId ? "being stopped" : "—"}.`,
  };
});
