// Carries out a VM's firewall as the database wants it (issue 26): a customer's rule change on the
// VM page, a peer's address coming or going in the bridge fallback, or reconciliation finding a
// drift. One run at a time per VM, so two syncs never interleave their rule writes; each run reads
// the latest wanted state, so the last change always wins (I3). The UI never calls Proxmox (I2).
import { inngest } from "@/lib/jobs/client";
import { vmFirewallSyncRequested } from "@/lib/jobs/events";
import { recordFirewallSync } from "@/lib/network/customer-rules";
import { syncVmFirewall } from "@/lib/network/vm-firewall";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";

export const vmFirewallFunction = inngest.createFunction(
  {
    id: "vm-firewall",
    name: "VM firewall sync",
    triggers: [vmFirewallSyncRequested],
    concurrency: [{ limit: 1, key: "event.data.vmId" }],
    retries: 6,
  },
  async ({ event, step }) => {
    const { vmId, reason } = event.data;
    for (let turn = 1; ; turn++) {
      const result = await step.run(turn === 1 ? "sync firewall" : `sync firewall (turn ${turn})`, async () => {
        try {
          return await syncVmFirewall(vmId);
        } catch (error) {
          // Every Proxmox work slot taken: not a failure, the run pauses and asks again.
          if (error instanceof ProxmoxBusyError) return { busy: true as const };
          throw error;
        }
      });
      if (!("busy" in result)) {
        await step.run("record result", () => recordFirewallSync(vmId, reason, result.changed));
        return { vmId, ...result };
      }
      await step.sleep(`wait for a proxmox slot ${turn}`, "3s");
    }
  },
);
