"use server";
// The order page's way on after a decline, a cancel or an expiry (issue 16): pay (the open
// session, or a new one for the same order) or cancel. Thin: session + zod through the one wrapper;
// another user's order is a 404 (I5). Neither decides that money arrived (I1).
import { z } from "zod";
import { notFound, redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import type { FormState } from "@/lib/actions/form-state";
import { cancelUnpaidOrder, completeOrderPayment } from "@/lib/orders/order-payment";

const schema = z.object({ orderId: z.string().trim().min(1, "Missing order.").max(64, "Unknown order.") });

export const completePaymentAction = validatedActionWithUser(schema, async ({ orderId }, { user }) => {
  const next = await completeOrderPayment({ userId: user.id, orderId });
  if (!next) notFound();
  redirect(next.checkoutUrl);
});

export const cancelOrderAction = validatedActionWithUser(schema, async ({ orderId }, { user }): Promise<FormState> => {
  if (!(await cancelUnpaidOrder({ userId: user.id, orderId }))) notFound();
  revalidatePath(`/orders/${orderId}`);
  return { status: "success", message: "Order cancelled. Nothing was charged." };
});
