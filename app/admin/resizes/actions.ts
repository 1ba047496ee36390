"use server";
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { retryResize } from "@/lib/resize/retry-resize";

// retryResize checks the request is failed (UserFacingError otherwise) and writes the audit.
const retry = validatedAdminAction(
  z.object({ orderId: z.string().trim().min(1, "Missing resize.").max(64, "Unknown resize.") }),
  async ({ orderId }, { user }) => {
    const { attempt } = await retryResize({ resizeRequestId: orderId, adminId: user.id });
    revalidatePath("/admin/resizes");
    return { status: "success", message: `Apply attempt ${attempt} queued.` };
  },
);

export async function retryResizeAction(previous: FormState, formData: FormData): Promise<FormState> {
  return retry(previous, formData);
}
