// Rebuilds (reinstalls) a VM the customer asked to, confirmed by its hostname (lib/vm-operations/
// rebuild-steps.ts): snapshots and the old system go, then provisioning's own steps build it again
// in place (clone, configure, disk, cloud-init with the customer's current keys and a new password,
// start) and it is ready only once reachable, like a new VM. One run per rebuild: the event id is
// the operation's, the claim is a conditional update, and the VM is held (one operation per VM).
import { NonRetriableError } from "inngest";
import { inngest } from "@/lib/jobs/client";
import { rebuildRequested } from "@/lib/jobs/events";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";
import { cloneTemplate, waitForClone } from "@/lib/provisioning/clone-template";
import { configureVm, growDisk } from "@/lib/provisioning/configure-vm";
import { checkReachable, lookWithin, NOT_REACHED, readyDeadline } from "@/lib/provisioning/readiness";
import { startVm } from "@/lib/provisioning/start-vm";
import { writeCloudInit } from "@/lib/provisioning/write-cloud-init";
import { prepareNetwork } from "@/lib/network/allocate-network";
import { attachNetwork } from "@/lib/network/attach-nic";
import { buildNetwork, checkFirewall, configureFirewall } from "@/lib/network/provision-steps";
import { beginRebuild, clearOldSystem, compensateRebuild, destroyOldSystem, finishRebuild } from "@/lib/vm-operations/rebuild-steps";
import { failOperation, setOperationProgress, vmFreeForOperation } from "@/lib/vm-operations/run-operation";

export const REBUILD_BUDGET = { freeChecks: 30, busyTurns: 30, cloneChecks: 60, pendingChecks: 12, readinessLooks: 40, cloneStarts: 4 } as const;

/** Worst case: every wait budget spent (provisioning's clone and readiness budgets, the VM to be free). */
export function rebuildStepBudget(): number {
  // begin; clear, wipe; configure, disk, four network steps, cloud-init, start, check firewall; finish
  const fixed = 1 + 2 + 9 + 1;
  const clones = REBUILD_BUDGET.cloneStarts * 3 - 1; // clone, first wait and the pause before the next, per start
  const waits =
    2 * (REBUILD_BUDGET.freeChecks + REBUILD_BUDGET.busyTurns + REBUILD_BUDGET.cloneChecks + REBUILD_BUDGET.pendingChecks + REBUILD_BUDGET.readinessLooks) + 5;
  return fixed + clones + waits;
}

type Busy = { busy: true };
const isBusy = (value: unknown): value is Busy => !!value && typeof value === "object" && "busy" in value;

export const rebuildVmFunction = inngest.createFunction(
  {
    id: "rebuild-vm",
    name: "Rebuild a VM",
    triggers: [rebuildRequested],
    concurrency: [{ limit: 1, key: "event.data.vmId" }],
    retries: 4,
    onFailure: async ({ event, error, step }) => {
      const { operationId } = event.data.event.data;
      await step.run("mark rebuild failed", () => failOperation(operationId, error.message || "rebuild failed"));
      await step.run("compensate", () => compensateRebuild(operationId).catch((e: Error) => `compensation incomplete: ${e.message}`));
    },
  },
  async ({ event, step }) => {
    const { operationId } = event.data;
    const run = <T>(name: string, progress: string | null, work: () => Promise<T>) =>
      step.run(name, async () => {
        if (progress) await setOperationProgress(operationId, progress);
        return await work();
      }) as Promise<T>;
    let busyTurns = 0;
    const proxmox = async <T>(name: string, progress: string, work: () => Promise<T>): Promise<T> => {
      for (let turn = 1; ; turn++) {
        const result = await run<T | Busy>(turn === 1 ? name : `${name} (turn ${turn})`, progress, () =>
          work().catch((error: unknown) => {
            if (error instanceof ProxmoxBusyError) return { busy: true } as Busy;
            throw error;
          }),
        );
        if (!isBusy(result)) return result;
        if (++busyTurns > REBUILD_BUDGET.busyTurns) throw new NonRetriableError(`${name}: no Proxmox work slot came free within the run's budget`);
        await step.sleep(`wait for a proxmox slot: ${name} ${turn}`, `${Math.min(3 * 2 ** (turn - 1), 300)}s`);
      }
    };

    const target = await run("begin rebuild", null, () => beginRebuild(operationId));
    if (!target) return { operationId, skipped: "rebuild is not pending" };
    const { orderId } = target;
    for (let check = 1; !(await run(check === 1 ? "wait for the vm" : `wait for the vm ${check}`, null, () => vmFreeForOperation(target.vmId))); check++) {
      if (check >= REBUILD_BUDGET.freeChecks) throw new NonRetriableError("a power action or resize held the VM too long");
      await step.sleep(`pause before wait for the vm ${check + 1}`, "10s");
    }
    await proxmox("remove snapshots", "removing snapshots", () => clearOldSystem(target));
    await proxmox("wipe old system", "wiping", () => destroyOldSystem(target));

    // Provisioning's clone, in place: the same VMID, this order's marker, the chosen image.
    let pendingChecks = 0;
    let cloneChecks = 0;
    for (let start = 1; ; start++) {
      const suffix = start === 1 ? "" : ` (clone ${start})`;
      let clone = await proxmox(`clone image${suffix}`, "cloning", () => cloneTemplate(orderId, target.templateId));
      for (let check = 2; clone.pending; check++) {
        if (++pendingChecks > REBUILD_BUDGET.pendingChecks) throw new NonRetriableError("clone image: another clone's config did not clear");
        await step.sleep(`pause before clone ownership check${suffix} ${check}`, "5s");
        clone = await proxmox(`clone image${suffix} ${check}`, "cloning", () => cloneTemplate(orderId, target.templateId));
      }
      let cloned = await proxmox(`wait for clone${suffix}`, "cloning", () => waitForClone(orderId, clone.upid));
      for (let check = 2; !cloned.done && !cloned.retryClone; check++) {
        if (++cloneChecks > REBUILD_BUDGET.cloneChecks) throw new NonRetriableError("wait for clone: still not finished");
        await step.sleep(`pause before clone check${suffix} ${check}`, "10s");
        cloned = await proxmox(`wait for clone${suffix} ${check}`, "cloning", () => waitForClone(orderId, clone.upid));
      }
      if (cloned.done) break;
      // The clone task lost the config lock and removed its own config: clone again.
      if (start >= REBUILD_BUDGET.cloneStarts) throw new NonRetriableError(`clone image: the clone task lost the config lock ${start} times`);
      await step.sleep(`pause before clone ${start + 1}`, "10s");
    }
    await proxmox("configure vm", "configuring", () => configureVm(orderId));
    await proxmox("grow disk", "configuring", () => growDisk(orderId));
    // The new clone's NIC is the image's and its firewall went with the old system (issue 26):
    // the VM's own network, address, MAC and firewall again, by provisioning's steps.
    await proxmox("prepare network", "configuring", () => prepareNetwork(orderId));
    await proxmox("build network", "configuring", () => buildNetwork(orderId));
    await proxmox("attach network", "configuring", () => attachNetwork(orderId));
    await proxmox("configure firewall", "configuring", () => configureFirewall(orderId));
    await proxmox("write cloud-init", "first boot", () => writeCloudInit(orderId, { sshPublicKeys: target.sshPublicKeys }));
    const { at: startedAt } = await proxmox("start vm", "starting", () => startVm(orderId));
    await proxmox("check firewall", "starting", () => checkFirewall(orderId));

    // Ready means reachable, as for a new VM (lib/provisioning/readiness.ts).
    const readyBy = readyDeadline(startedAt);
    const vm = { id: target.vmId, vmid: target.vmid, nodeName: target.node, tunnelId: target.tunnelId };
    for (let look = 1; ; look++) {
      const seen = await run(look === 1 ? "wait until reachable" : `wait until reachable ${look}`, null, () =>
        lookWithin(readyBy, (budget) => checkReachable(vm, budget, (phase) => setOperationProgress(operationId, phase.replace("_", " ")))),
      );
      if (seen.ready) break;
      if (seen.expired || look >= REBUILD_BUDGET.readinessLooks)
        throw new NonRetriableError(`wait until reachable: ${NOT_REACHED[seen.phase]} before the readiness deadline`);
      await step.sleep(`pause before wait until reachable ${look + 1}`, "10s");
    }
    await run("finish rebuild", null, () => finishRebuild(target));
    return { operationId, status: "done" as const };
  },
);
