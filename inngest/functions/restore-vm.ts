// A paid restore order (issue 16): the kept VM follows the new subscription and starts again — no
// new build. One step per change, each safe to re-run (I3). If the VM is gone by the time the money
// arrived (its deletion won the race), the order fails and its refund is requested at once (I11).
import { inngest } from "@/lib/jobs/client";
import { orderRefundRequested, vmRestoreRequested } from "@/lib/jobs/events";
import { attachRestoredVm, failRestore, finishRestore, queueRestoredEmail } from "@/lib/billing-state/restore-vm";
import { startRestoredVm } from "@/lib/billing-state/enforce-vm";
import { tryDeliverEmail } from "@/lib/email/outbox";

export const restoreVmFunction = inngest.createFunction(
  {
    id: "restore-vm",
    name: "Restore a kept VM under its new subscription",
    triggers: [vmRestoreRequested],
    concurrency: { limit: 1, key: "event.data.orderId" },
    retries: 6,
  },
  async ({ event, step }) => {
    const { orderId } = event.data;
    const attach = await step.run("attach new subscription", () => attachRestoredVm(orderId));
    if (!attach.attached) {
      await step.run("fail restore", () => failRestore(orderId, attach.reason));
      await step.sendEvent("request refund", orderRefundRequested.once({ orderId }));
      return { restored: false, reason: attach.reason };
    }
    await step.run("start vm", () => startRestoredVm(attach.vmId, attach.supersededBillingRow));
    await step.run("mark restored", () => finishRestore(orderId, attach.vmId));
    const key = await step.run("queue restored email", () => queueRestoredEmail(orderId, attach.vmId));
    await step.run("send restored email", () => tryDeliverEmail(key));
    return { restored: true, vmId: attach.vmId };
  },
);
