// Carries out a customer's power request (start / shutdown / hard stop / reboot) on Proxmox.
// One operation per VM at a time: the action refuses a second open request, and the per-VM key
// keeps runs for one VM from stepping at once. The task holds a Proxmox work slot from its POST
// to its end (lib/proxmox/work-slots.ts), shared with provisioning and cleanup.
import { inngest } from "@/lib/jobs/client";
import { vmPowerRequested } from "@/lib/jobs/events";
import {
  applyPowerAction,
  checkPowerTarget,
  claimPowerRequest,
  failPowerRequest,
  recordPowerResult,
  type PowerOutcome,
  resyncVmAfterFailure,
  waitForPowerTask,
} from "@/lib/power/run-power";

export const vmPowerFunction = inngest.createFunction(
  {
    id: "vm-power",
    name: "VM power action",
    triggers: [{ event: vmPowerRequested }],
    concurrency: [{ limit: 1, key: "event.data.vmId" }],
    retries: 4,
    onFailure: async ({ event, error, step }) => {
      const { powerRequestId, vmId } = event.data.event.data;
      await step.run("mark request failed", () => failPowerRequest(powerRequestId, error.message || "power action failed"));
      await step.run("re-read vm status", () => resyncVmAfterFailure(vmId));
    },
  },
  async ({ event, step }) => {
    const { powerRequestId, vmId } = event.data;
    const claimed = await step.run("claim request", () => claimPowerRequest(powerRequestId));
    if (!claimed) return { powerRequestId, skipped: "request is not pending" };

    const check = await step.run("check vm", () => checkPowerTarget(powerRequestId, vmId));
    if (!check.ok) {
      await step.run("record refusal", () => failPowerRequest(powerRequestId, check.error));
      return { powerRequestId, status: "failed" };
    }
    const { target } = check;

    const applied = await step.run("apply power action", () => applyPowerAction(target));
    const outcome = await step.run("wait for task", async (): Promise<PowerOutcome> => {
      if (applied.kind === "task") return waitForPowerTask(target, applied.upid);
      return { error: applied.kind === "refused" ? applied.error : null };
    });
    const result = await step.run("record result", () => recordPowerResult(target, outcome));
    return { powerRequestId, ...result };
  },
);
