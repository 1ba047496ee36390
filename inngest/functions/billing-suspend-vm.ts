// Suspend = stopped, not deleted (I6): consoles closed, onboot off, graceful shutdown then hard
// stop, each Proxmox task under a work-slot lease. One run at a time per billing row; every step
// re-reads state first, so a payment that lands mid-run stops it before the machine is touched.
import { inngest } from "@/lib/jobs/client";
import { billingSuspendRequested } from "@/lib/jobs/events";
import { isSuspendedState, loadEnforcedVm, markSuspendDone, recordPowerBeforeSuspend, revokeAccess, stopSuspendedVm } from "@/lib/billing-state/enforce-vm";
import { billingEnforcementOptions } from "./billing-enforcement-options";

export const billingSuspendVmFunction = inngest.createFunction(
  {
    id: "billing-suspend-vm",
    name: "Suspend a VM for billing",
    triggers: [billingSuspendRequested],
    ...billingEnforcementOptions("suspend"),
  },
  async ({ event, step }) => {
    const { enforcementId } = event.data;
    if (!(await step.run("check still suspended", () => isSuspendedState(enforcementId)))) return { skipped: "no longer suspended" };
    const target = await step.run("load vm", () => loadEnforcedVm(enforcementId));
    if (!target) {
      await step.run("record nothing to stop", () => markSuspendDone(enforcementId, "no VM to stop"));
      return { done: "no vm" };
    }
    const before = await step.run("record power before suspension", () => recordPowerBeforeSuspend(target));
    await step.run("close consoles and turn onboot off", () => revokeAccess(target));
    if (!(await step.run("re-check still suspended", () => isSuspendedState(enforcementId)))) return { skipped: "paid during suspension" };
    const how = await step.run("shut down then stop", () => stopSuspendedVm(target));
    await step.run("record suspended", () => markSuspendDone(enforcementId, how));
    return { before, how };
  },
);
