// Paid order → running VM (DESIGN §3). One step per Proxmox/Cloudflare operation; each step checks
// what exists (the Vm row is the record of what was done) before acting, so retries and replays
// never do anything twice (I3). Only `order/paid` starts it, and that event is sent only after
// Stripe confirmed the money (I1). A final failure compensates in onFailure (I8).
import { NonRetriableError } from "inngest";
import { inngest } from "@/inngest/client";
import { orderPaid } from "@/inngest/events";
import { proxmoxBudget } from "@/inngest/concurrency";
import { CloudInitInputError } from "@/lib/cloud-init/render-user-data";
import { EmailDeliveryError } from "@/lib/email/outbox";
import { chooseNode } from "@/lib/provisioning/choose-node";
import { cloneTemplate, waitForClone } from "@/lib/provisioning/clone-template";
import { compensateProvisioning, type StepRunner } from "@/lib/provisioning/compensate";
import { configureVm, growDisk } from "@/lib/provisioning/configure-vm";
import { createTunnelAndDns } from "@/lib/provisioning/create-tunnel-and-dns";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { setProgress } from "@/lib/provisioning/load-order";
import { reserveVmid } from "@/lib/provisioning/reserve-vmid";
import { sendReadyEmail } from "@/lib/provisioning/send-ready-email";
import { startProvisioning } from "@/lib/provisioning/start-provisioning";
import { markReady, startVm } from "@/lib/provisioning/start-vm";
import { writeCloudInit } from "@/lib/provisioning/write-cloud-init";

/** Errors another try cannot fix stop the run at once; the step's name leads the message. */
function stepError(name: string, error: unknown): Error {
  const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
  const permanent =
    error instanceof ProvisioningHaltedError || error instanceof CloudInitInputError || (error instanceof EmailDeliveryError && error.permanent);
  return permanent ? new NonRetriableError(message, { cause: error }) : Object.assign(new Error(message), { cause: error });
}

export const provisionVmFunction = inngest.createFunction(
  {
    id: "provision-vm",
    name: "Provision a paid VM",
    triggers: [orderPaid],
    // The first limit caps Proxmox work across all orders; the second keeps one order's steps in
    // sequence. Concurrency counts steps, not runs: `singleton` makes it one run per order.
    concurrency: [proxmoxBudget, { limit: 1, key: "event.data.orderId" }],
    singleton: { key: "event.data.orderId", mode: "skip" },
    retries: 5,
    onFailure: async ({ event, error, step }) => {
      const { orderId, attempt } = event.data.event.data;
      const run: StepRunner = (name, work) => step.run(name, work) as ReturnType<typeof work>;
      return compensateProvisioning({ orderId, attempt, error: error.message }, run);
    },
  },
  async ({ event, step }) => {
    const { orderId, attempt } = event.data;
    const run = <T>(name: string, progress: string | null, work: () => Promise<T>) =>
      step.run(name, async () => {
        try {
          if (progress) await setProgress(orderId, progress);
          return await work();
        } catch (error) {
          throw stepError(name, error);
        }
      });

    const started = await run("start provisioning", null, () => startProvisioning(orderId, attempt));
    if (!started.proceed) return { skipped: started.reason };

    const vmid = await run("reserve vmid", "reserving", () => reserveVmid(orderId));
    await run("choose node", "reserving", () => chooseNode(orderId));
    const clone = await run("clone template", "cloning", () => cloneTemplate(orderId));
    let cloned = await run("wait for clone", "cloning", () => waitForClone(orderId, clone.upid));
    for (let check = 2; !cloned.done; check++) {
      await step.sleep(`pause before clone check ${check}`, "10s");
      cloned = await run(`wait for clone ${check}`, "cloning", () => waitForClone(orderId, clone.upid));
    }
    await run("configure vm", "configuring", () => configureVm(orderId));
    await run("grow disk", "resizing", () => growDisk(orderId));
    await run("create tunnel and dns", "networking", () => createTunnelAndDns(orderId));
    await run("write cloud-init", "cloud_init", () => writeCloudInit(orderId));
    await run("start vm", "starting", () => startVm(orderId));
    const ready = await run("mark ready", "starting", () => markReady(orderId));
    await run("send ready email", null, () => sendReadyEmail(orderId));
    return { vmId: ready.vmId, vmid };
  },
);
