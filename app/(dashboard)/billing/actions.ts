"use server";
// /billing's actions: cancel at period end / undo, and "update card" (a portal session). Thin:
// session + zod through the one wrapper; another user's subscription is a 404 (I5).
import { z } from "zod";
import { notFound, redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { UserFacingError } from "@/lib/errors";
import { cancelSchema, createCardUpdateUrl, setCancelAtPeriodEnd } from "@/lib/billing-state/customer-billing";

export const cancelAtPeriodEndAction = validatedActionWithUser(cancelSchema, async ({ subscriptionId, cancel }, { user }) => {
  const done = await setCancelAtPeriodEnd({ userId: user.id, subscriptionId, cancel });
  if (!done) notFound();
  revalidatePath("/billing");
  return {
    status: "success",
    message: cancel ? "Your subscription will end at the end of the current period." : "Cancellation undone: your subscription renews as before.",
  };
});

export const updateCardAction = validatedActionWithUser(z.object({}), async (_input, { user }) => {
  let url: string | null;
  try {
    url = await createCardUpdateUrl(user.id);
  } catch {
    throw new UserFacingError("We couldn't reach our payment provider. Please try again.");
  }
  if (!url) throw new UserFacingError("There is no card on file yet: it is added at your first checkout.");
  redirect(url);
});
