"use server";
import { redirect } from "next/navigation";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { checkoutSchema, createOrder } from "@/lib/orders/create-order";
import { assertEmailVerified } from "@/lib/auth/email-verification";

export const checkoutAction = validatedActionWithUser(checkoutSchema, async (data, { user }) => {
  assertEmailVerified(user);
  const { checkoutUrl } = await createOrder(user, data);
  redirect(checkoutUrl); // Stripe's hosted page; the order page takes over when Stripe sends the customer back
});
