"use server";
// The VM page's actions: thin wrappers (session + zod via the one wrapper) over lib/. Another
// user's VM, or an unknown id, is a 404 (I5).
import { z } from "zod";
import { notFound, redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { powerActionLabel, powerRequestSchema } from "@/lib/power/power-rules";
import { requestPower } from "@/lib/power/request-power";
import { revealVmPassword, type RevealPasswordState } from "@/lib/vms/reveal-password";
import { startVmRestore } from "@/lib/billing-state/restore-vm";

const requestPowerAction = validatedActionWithUser(powerRequestSchema, async ({ vmId, action }, { user }) => {
  const queued = await requestPower({ userId: user.id, vmId, action });
  if (!queued) notFound();
  revalidatePath(`/vms/${vmId}`);
  return { status: "success", message: `${powerActionLabel[action]} requested.` };
});

const revealPasswordAction = validatedActionWithUser(
  z.object({ vmId: z.string().trim().min(1).max(64) }),
  async ({ vmId }, { user }): Promise<RevealPasswordState> => {
    const password = await revealVmPassword(user.id, vmId);
    if (password === null) notFound();
    return { status: "success", password };
  },
);

export async function requestPowerFormAction(previous: FormState, formData: FormData): Promise<FormState> {
  return requestPowerAction(previous, formData);
}

export async function revealPasswordFormAction(previous: RevealPasswordState, formData: FormData): Promise<RevealPasswordState> {
  // The handler above answers RevealPasswordState; the wrapper passes it through unchanged.
  return (await revealPasswordAction(previous, formData)) as RevealPasswordState;
}

// "Restore this VM" (issue 16): a checkout for its current size; paid, the same VM starts again.
const restoreAction = validatedActionWithUser(z.object({ vmId: z.string().trim().min(1).max(64) }), async ({ vmId }, { user }) => {
  const started = await startVmRestore({ userId: user.id, vmId });
  if (!started) notFound();
  redirect(started.checkoutUrl);
});

export async function restoreVmFormAction(previous: FormState, formData: FormData): Promise<FormState> {
  return restoreAction(previous, formData);
}
