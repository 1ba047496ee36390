"use server";
// The resize page's actions: thin wrappers (session + zod via the one wrapper) over lib/resize.
// Another user's VM or request is a 404 (I5). Neither action touches Proxmox (I1, I2).
import { z } from "zod";
import { notFound, redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { parseResizeTotals, recheckResizePayment } from "@/lib/resize/resize-view";
import { quoteResize } from "@/lib/resize/quote-resize";
import { requestResize } from "@/lib/resize/request-resize";
import { cancelDowngradeForCustomer } from "@/lib/resize/schedule-downgrade";

const id = z.string().trim().min(1).max(64);

export const quoteResizeFormAction = validatedActionWithUser(
  z.object({ vmId: id, vcpus: z.string().max(8), ramGb: z.string().max(8), diskGb: z.string().max(8) }),
  async ({ vmId, ...raw }, { user }): Promise<FormState> => {
    const parsed = await parseResizeTotals(user.id, vmId, raw);
    if (!parsed) notFound();
    if (!parsed.ok) return { status: "error", fieldErrors: parsed.fieldErrors, values: raw };
    const quote = await quoteResize({ userId: user.id, vmId, totals: parsed.totals });
    if (!quote) notFound();
    redirect(`/vms/${vmId}/resize?quote=${quote.resizeRequestId}`);
  },
);

export const payResizeFormAction = validatedActionWithUser(
  z.object({ vmId: id, resizeRequestId: id }),
  async ({ vmId, resizeRequestId }, { user }): Promise<FormState> => {
    const state = await requestResize({ userId: user.id, resizeRequestId });
    if (!state) notFound();
    revalidatePath(`/vms/${vmId}`);
    redirect(`/vms/${vmId}/resize`);
  },
);

// After 3-D Secure in the page: Stripe is re-read (the browser's word counts for nothing, I1).
export const recheckResizePaymentFormAction = validatedActionWithUser(
  z.object({ vmId: id, resizeRequestId: id }),
  async ({ vmId, resizeRequestId }, { user }): Promise<FormState> => {
    const state = await recheckResizePayment(user.id, resizeRequestId);
    if (!state) notFound();
    revalidatePath(`/vms/${vmId}/resize`);
    return { status: "success", message: state.status === "awaiting_payment" ? "The payment is not confirmed yet." : "Payment confirmed." };
  },
);

// Withdraws a downgrade waiting for the renewal; Stripe's schedule is released first.
export const cancelScheduledResizeFormAction = validatedActionWithUser(
  z.object({ vmId: id, resizeRequestId: id }),
  async ({ vmId, resizeRequestId }, { user }): Promise<FormState> => {
    let outcome;
    try {
      outcome = await cancelDowngradeForCustomer(user.id, resizeRequestId);
    } catch {
      return { status: "error", message: "Our payment provider didn't answer. Nothing was changed; please try again." };
    }
    if (!outcome) notFound();
    revalidatePath(`/vms/${vmId}/resize`);
    if (outcome === "took_effect") {
      return { status: "error", message: "This change already took effect at your renewal: it is applied to your VM once that renewal is paid." };
    }
    return { status: "success", message: outcome === "canceled" ? "The scheduled change is canceled." : "This change is no longer scheduled." };
  },
);
