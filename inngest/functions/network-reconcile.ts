// Every 15 minutes (issue 26: "kept by reconciliation"): ask the vm-firewall function to re-check
// each managed VM's firewall (it changes, and audits, only what drifted), and finish network
// removals a cleanup left half done. The event ids are per VM and per quarter hour, so a replay
// of this run queues nothing twice.
import { inngest } from "@/lib/jobs/client";
import { vmFirewallSyncRequested } from "@/lib/jobs/events";
import { finishNetworkRemoval, listManagedVms, listStuckRemovals } from "@/lib/network/reconcile";

export const networkReconcileFunction = inngest.createFunction(
  { id: "network-reconcile", name: "Re-check VM firewalls and networks", triggers: [{ cron: "*/15 * * * *" }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const vmIds = await step.run("list managed vms", () => listManagedVms());
    const window = await step.run("time window", () => Math.floor(Date.now() / (15 * 60_000)));
    if (vmIds.length) {
      await step.sendEvent(
        "request firewall checks",
        vmIds.map((vmId) => vmFirewallSyncRequested.once({ vmId, reason: "reconcile" }, { window })),
      );
    }
    const stuck = await step.run("list stuck network removals", () => listStuckRemovals());
    for (const id of stuck) await step.run(`finish removal ${id}`, () => finishNetworkRemoval(id));
    return { checked: vmIds.length, removals: stuck.length };
  },
);
