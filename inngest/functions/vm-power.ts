// Carries out a customer's power request (start / shutdown / hard stop / reboot) on Proxmox.
// One operation per VM at a time: the action refuses a second open request, and the per-VM key
// keeps runs for one VM from stepping at once. Proxmox work shares one global budget.
import { NonRetriableError, RetryAfterError } from "inngest";
import { inngest } from "@/inngest/client";
import { vmPowerRequested } from "@/inngest/events";
import { proxmoxBudget } from "@/inngest/concurrency";
import { isProxmoxLockError } from "@/lib/power/lock-retry";
import { applyPowerAction, checkPowerTarget, claimPowerRequest, failPowerRequest, recordPowerResult, type PowerOutcome, resyncVmAfterFailure, waitForPowerTask } from "@/lib/power/run-power";
import { ProxmoxError } from "@/lib/proxmox/errors";

/** Lock errors that outlast the in-step backoff wait longer; a 4xx is our bug, not worth retrying. */
function retryable(error: unknown): never {
  if (isProxmoxLockError(error)) throw new RetryAfterError("vm config locked", "20s", { cause: error });
  if (error instanceof ProxmoxError && error.status >= 400 && error.status < 500 && error.status !== 409) {
    throw new NonRetriableError(`proxmox refused the request: ${error.message}`, { cause: error });
  }
  throw error;
}

export const vmPowerFunction = inngest.createFunction(
  {
    id: "vm-power",
    name: "VM power action",
    triggers: [{ event: vmPowerRequested }],
    concurrency: [
      { limit: 1, key: "event.data.vmId" },
      proxmoxBudget,
    ],
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

    const applied = await step.run("apply power action", () => applyPowerAction(target).catch(retryable));
    const outcome = await step.run("wait for task", async (): Promise<PowerOutcome> => {
      if (applied.kind === "task") return waitForPowerTask(target.node, applied.upid);
      return { error: applied.kind === "refused" ? applied.error : null };
    });
    const result = await step.run("record result", () => recordPowerResult(target, outcome).catch(retryable));
    return { powerRequestId, ...result };
  },
);
