// The customer's emails about money and builds (lib/email/templates/customer.ts), each once per
// thing it reports (the outbox key, I3): the payment receipt with Stripe's invoice link, the build
// that failed and what happens next, the refund that was issued.
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { formatMoney } from "@/lib/format/money";
import { enqueueEmail, sendEmailOnce, tryDeliverEmail } from "@/lib/email/outbox";
import { customerEmails } from "@/lib/email/templates/customer";

const orderWithCustomer = (orderId: string) =>
  db.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      id: true,
      amountMinor: true,
      currency: true,
      stripeCheckoutSessionId: true,
      plan: { select: { name: true } },
      user: { select: { email: true, name: true } },
    },
  });

/** Stripe's hosted invoice page for the checkout's first invoice, when there is one. */
async function invoiceUrlOf(checkoutSessionId: string | null): Promise<string | null> {
  if (!checkoutSessionId) return null;
  const session = await stripe().checkout.sessions.retrieve(checkoutSessionId, { expand: ["invoice"] });
  const invoice = session.invoice && typeof session.invoice !== "string" ? session.invoice : null;
  return invoice?.hosted_invoice_url ?? null;
}

export const receiptEmailKey = (orderId: string) => `receipt:${orderId}`;

/** Once per paid order; a replay finds the row and only delivers it if it is still waiting. */
export async function sendPaymentReceipt(orderId: string) {
  const key = receiptEmailKey(orderId);
  if (!(await db.emailOutbox.findUnique({ where: { key }, select: { id: true } }))) {
    const order = await orderWithCustomer(orderId);
    const email = customerEmails.paymentReceipt(order.user.name, {
      planName: order.plan.name,
      amount: formatMoney(order.amountMinor, order.currency),
      invoiceUrl: await invoiceUrlOf(order.stripeCheckoutSessionId),
      orderId: order.id,
    });
    await enqueueEmail({ key, to: order.user.email, ...email });
  }
  return tryDeliverEmail(key);
}

export const buildFailedEmailKey = (orderId: string, attempt: number) => `build-failed:${orderId}:${attempt}`;

/** Queued (the caller's retry loop or the outbox drainer sends it). */
export async function queueBuildFailedEmail(orderId: string, attempt: number): Promise<string> {
  const order = await orderWithCustomer(orderId);
  const key = buildFailedEmailKey(orderId, attempt);
  await enqueueEmail({ key, to: order.user.email, ...customerEmails.buildFailed(order.user.name, { planName: order.plan.name, orderId }) });
  return key;
}

export async function sendRefundEmail(key: string, userId: string, input: { amountMinor: number; currency: string; what: string }) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, name: true } });
  return sendEmailOnce({
    key,
    to: user.email,
    ...customerEmails.refundIssued(user.name, { amount: formatMoney(input.amountMinor, input.currency), what: input.what }),
  });
}
