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
import {
  addFirewallRule,
  addFirewallRuleSchema,
  allowAllSchema,
  removeFirewallRule,
  removeFirewallRuleSchema,
  setAllowAllOwn,
} from "@/lib/network/customer-rules";

export const requestPowerFormAction = validatedActionWithUser(powerRequestSchema, async ({ vmId, action }, { user }) => {
  const queued = await requestPower({ userId: user.id, vmId, action });
  if (!queued) notFound();
  revalidatePath(`/vms/${vmId}`);
  return { status: "success", message: `${powerActionLabel[action]} requested.` };
});

export const revealPasswordFormAction = validatedActionWithUser(
  z.object({ vmId: z.string().trim().min(1).max(64), kind: z.enum(["login", "eve-web"]).default("login") }),
  async ({ vmId, kind }, { user }): Promise<RevealPasswordState> => {
    const password = await revealVmPassword(user.id, vmId, kind);
    if (password === null) notFound();
    return { status: "success", password };
  },
);

// "Restore this VM" (issue 16): a checkout for its current size; paid, the same VM starts again.
export const restoreVmFormAction = validatedActionWithUser(z.object({ vmId: z.string().trim().min(1).max(64) }), async ({ vmId }, { user }) => {
  const started = await startVmRestore({ userId: user.id, vmId });
  if (!started) notFound();
  redirect(started.checkoutUrl);
});

// The firewall panel (issue 26): intent recorded and audited in lib/network, carried out by the
// vm-firewall function; another user's VM is a 404 (I5).
const applied = (vmId: string, message: string): FormState => {
  revalidatePath(`/vms/${vmId}`);
  return { status: "success", message };
};

export const addFirewallRuleAction = validatedActionWithUser(addFirewallRuleSchema, async (input, { user }) => {
  if (!(await addFirewallRule(user.id, input))) notFound();
  return applied(input.vmId, "Rule added; it applies in a moment.");
});

export const removeFirewallRuleAction = validatedActionWithUser(removeFirewallRuleSchema, async (input, { user }) => {
  if (!(await removeFirewallRule(user.id, input))) notFound();
  return applied(input.vmId, "Rule removed; it applies in a moment.");
});

export const setFirewallModeAction = validatedActionWithUser(allowAllSchema, async (input, { user }) => {
  if (!(await setAllowAllOwn(user.id, input))) notFound();
  return applied(input.vmId, "Saved; it applies in a moment.");
});
