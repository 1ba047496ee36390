"use server";
import { z } from "zod";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { UserFacingError } from "@/lib/errors";
import { enforcementIdSchema, extendGraceSchema } from "@/lib/billing-state/admin-billing";
import { approveDeletion, extendGraceByDays } from "@/lib/billing-state/approve-deletion";
import { attachTestClockByEmail, attachTestClockSchema } from "@/lib/billing-state/billing-clock";

// Destroying customer data: the operator ticks a box first (I6). approveDeletion checks the state and audits.
export const approveDeletionAction = validatedAdminAction(
  z.object({ enforcementId: enforcementIdSchema, confirm: z.literal("on", { error: "Tick the box to confirm the deletion." }) }),
  async ({ enforcementId }, { user }) => {
    if (!(await approveDeletion(enforcementId, user.id))) throw new UserFacingError("This subscription is not awaiting deletion approval.");
    revalidatePath("/admin/billing");
    return { status: "success", message: "Deletion approved: the next ladder run carries it out." };
  },
);

export const extendGraceAction = validatedAdminAction(extendGraceSchema, async ({ enforcementId, days }, { user }) => {
  if (!(await extendGraceByDays(enforcementId, user.id, days))) throw new UserFacingError("This subscription cannot be extended.");
  revalidatePath("/admin/billing");
  return { status: "success", message: `Grace extended by ${days} day(s).` };
});

// A billing rehearsal (Stripe test mode): the account's Stripe customer will be created on a new
// test clock, which the operator then advances in the Dashboard. Refused in live mode (audited when done).
export const attachTestClockAction = validatedAdminAction(attachTestClockSchema, async ({ email }, { user }) => {
  const { testClockId } = await attachTestClockByEmail(email, user.id);
  revalidatePath("/admin/billing");
  return { status: "success", message: `${email} is on test clock ${testClockId}: its first checkout creates its Stripe customer on it.` };
});
