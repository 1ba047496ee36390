"use server";
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { retryCleanup } from "@/lib/orders/retry-cleanup";
import { retryProvisioning } from "@/lib/orders/retry-provisioning";
import { cancelAndRefundFlaggedOrder } from "@/lib/billing/refund-flagged-order";
import { formatMoney } from "@/lib/format/money";
import { refundEmailKey, refundFailedOrder } from "@/lib/orders/refund-failed-order";
import { tryDeliverEmail } from "@/lib/email/outbox";

// retryProvisioning checks the order is `failed` (UserFacingError otherwise) and writes the audit.
const orderId = z.string().trim().min(1, "Missing order.").max(64, "Unknown order.");

export const retryProvisioningAction = validatedAdminAction(z.object({ orderId }), async ({ orderId }, { user }) => {
  await retryProvisioning({ orderId, adminId: user.id });
  revalidatePath("/admin/orders");
  return { status: "success", message: "Provisioning restarted." };
});

// Money leaves the business: the operator ticks a box first. cancelAndRefundFlaggedOrder checks the
// order is flagged and unaccepted (UserFacingError otherwise), is idempotent, and writes the audit.
const refundSchema = z.object({ orderId, confirm: z.literal("yes", { error: "Tick the box to confirm the refund." }) });
export const cancelAndRefundAction = validatedAdminAction(refundSchema, async ({ orderId }, { user }) => {
  const outcome = await cancelAndRefundFlaggedOrder({ orderId, adminId: user.id });
  revalidatePath("/admin/orders");
  const amount = formatMoney(outcome.refundedMinor, outcome.currency);
  return { status: "success", message: outcome.alreadyDone ? `Already cancelled and refunded (${amount}).` : `Subscription cancelled, ${amount} refunded.` };
});

// retryCleanup checks the order's cleanup is overdue (UserFacingError otherwise) and writes the audit.
export const retryCleanupAction = validatedAdminAction(z.object({ orderId }), async ({ orderId }, { user }) => {
  await retryCleanup({ orderId, adminId: user.id });
  revalidatePath("/admin/orders");
  return { status: "success", message: "Cleanup restarted." };
});

// A failed build, refunded now instead of at its date (I11): refundFailedOrder checks the order is
// failed (UserFacingError otherwise), claims it against a retry, is idempotent and writes the audit.
export const refundFailedOrderAction = validatedAdminAction(refundSchema, async ({ orderId }, { user }) => {
  const outcome = await refundFailedOrder({ orderId, actor: { type: "admin", id: user.id } });
  await tryDeliverEmail(refundEmailKey(orderId)).catch(() => undefined);
  revalidatePath("/admin/orders");
  const amount = formatMoney(outcome.refundedMinor, outcome.currency);
  return {
    status: "success",
    message: outcome.alreadyDone ? `Already refunded (${amount}).` : `Subscription cancelled, ${amount} refunded; the customer was told.`,
  };
});
