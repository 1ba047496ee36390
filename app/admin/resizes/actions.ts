"use server";
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { retryResize } from "@/lib/resize/retry-resize";
import { refundFailedResize } from "@/lib/resize/refund-resize";
import { formatMoney } from "@/lib/format/money";

// retryResize checks the request is failed (UserFacingError otherwise) and writes the audit.
export const retryResizeAction = validatedAdminAction(
  z.object({ orderId: z.string().trim().min(1, "Missing resize.").max(64, "Unknown resize.") }),
  async ({ orderId }, { user }) => {
    const { attempt } = await retryResize({ resizeRequestId: orderId, adminId: user.id });
    revalidatePath("/admin/resizes");
    return { status: "success", message: `Apply attempt ${attempt} queued.` };
  },
);

// Money leaves the business: the operator ticks a box first. refundFailedResize checks the request
// is a failed upgrade (UserFacingError otherwise), is idempotent, and writes the audit.
export const refundResizeAction = validatedAdminAction(
  z.object({
    orderId: z.string().trim().min(1, "Missing resize.").max(64, "Unknown resize."),
    confirm: z.literal("yes", { error: "Tick the box to confirm the refund." }),
  }),
  async ({ orderId }, { user }) => {
    const outcome = await refundFailedResize({ resizeRequestId: orderId, adminId: user.id });
    revalidatePath("/admin/resizes");
    const amount = formatMoney(outcome.refundedMinor, outcome.currency);
    return { status: "success", message: outcome.alreadyDone ? "Already refunded." : `${amount} refunded; the subscription bills the VM's current size.` };
  },
);
