// Compensation for a failed provisioning attempt (I8), as a function of its own: provision-vm's
// onFailure handler only asks for it (Inngest runs onFailure once, with no concurrency setting),
// while this one has retries, one run per order, and sleeps between cleanup tries for as long as
// CLEANUP_DEADLINE_HOURS allows. Its Proxmox tasks take slots like every other (work-slots.ts).
import { inngest } from "@/lib/jobs/client";
import { orderCleanupRequested } from "@/lib/jobs/events";
import { compensateProvisioning, type CompensationRunner } from "@/lib/provisioning/compensate";

export const cleanupProvisioningFunction = inngest.createFunction(
  {
    id: "cleanup-provisioning",
    name: "Clean up a failed provisioning attempt",
    triggers: [orderCleanupRequested],
    concurrency: [{ limit: 1, key: "event.data.orderId" }],
    retries: 10,
  },
  async ({ event, step }) => {
    const runner: CompensationRunner = {
      run: (name, work) => step.run(name, work) as ReturnType<typeof work>,
      sleep: (name, ms) => step.sleep(name, ms),
    };
    return compensateProvisioning(event.data, runner);
  },
);
