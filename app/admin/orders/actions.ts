"use server";
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { retryCleanup } from "@/lib/orders/retry-cleanup";
import { retryProvisioning } from "@/lib/orders/retry-provisioning";

// retryProvisioning checks the order is `failed` (UserFacingError otherwise) and writes the audit.
const orderIdSchema = z.object({ orderId: z.string().trim().min(1, "Missing order.").max(64, "Unknown order.") });

const retry = validatedAdminAction(orderIdSchema, async ({ orderId }, { user }) => {
  await retryProvisioning({ orderId, adminId: user.id });
  revalidatePath("/admin/orders");
  return { status: "success", message: "Provisioning restarted." };
});

export async function retryProvisioningAction(previous: FormState, formData: FormData): Promise<FormState> {
  return retry(previous, formData);
}

// retryCleanup checks the order's cleanup is overdue (UserFacingError otherwise) and writes the audit.
const cleanup = validatedAdminAction(orderIdSchema, async ({ orderId }, { user }) => {
  await retryCleanup({ orderId, adminId: user.id });
  revalidatePath("/admin/orders");
  return { status: "success", message: "Cleanup restarted." };
});

export async function retryCleanupAction(previous: FormState, formData: FormData): Promise<FormState> {
  return cleanup(previous, formData);
}
