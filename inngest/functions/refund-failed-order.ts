// A failed build's refund date came (I11): cancel its subscription and refund it in full, once
// (the ladder tick, or a test clock's advance, asks; the event id is per order).
import { inngest } from "@/lib/jobs/client";
import { orderRefundRequested } from "@/lib/jobs/events";
import { tryDeliverEmail } from "@/lib/email/outbox";
import { refundEmailKey, refundFailedOrder } from "@/lib/orders/refund-failed-order";

export const refundFailedOrderFunction = inngest.createFunction(
  {
    id: "refund-failed-order",
    name: "Refund a build that could not be done",
    triggers: [orderRefundRequested],
    concurrency: { limit: 1, key: "event.data.orderId" },
    retries: 6,
  },
  async ({ event, step }) => {
    const { orderId } = event.data;
    const refund = await step.run("cancel and refund", () => refundFailedOrder({ orderId, actor: { type: "system" } }));
    await step.run("send refund email", () => tryDeliverEmail(refundEmailKey(orderId)));
    return refund;
  },
);
