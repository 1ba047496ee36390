// Paid order → running VM (DESIGN §3). One step per Proxmox/Cloudflare operation; each step checks
// what exists (the Vm row is the record of what was done) before acting, so retries and replays
// never do anything twice (I3). Only `order/paid` starts it, and that event is sent only after
// Stripe confirmed the money (I1). A final failure asks the cleanup function to compensate (I8).
//
// Proxmox work is limited by slots in the database (lib/proxmox/work-slots.ts), not by Inngest's
// step concurrency: a step that finds every slot taken returns, the run sleeps and asks again, so
// waiting costs no retries and holds no worker.
import { NonRetriableError } from "inngest";
import { inngest } from "@/lib/jobs/client";
import { orderCleanupRequested, orderPaid } from "@/lib/jobs/events";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";
import { chooseNode } from "@/lib/provisioning/choose-node";
import { cloneTemplate, waitForClone } from "@/lib/provisioning/clone-template";
import { configureVm, growDisk } from "@/lib/provisioning/configure-vm";
import { createTunnelAndDns } from "@/lib/provisioning/create-tunnel-and-dns";
import { setProgress } from "@/lib/provisioning/load-order";
import { protectHostnames } from "@/lib/provisioning/protect-hostnames";
import { reserveVmid } from "@/lib/provisioning/reserve-vmid";
import { tryDeliverEmail } from "@/lib/email/outbox";
import { cleanupPauseMs } from "@/lib/provisioning/compensate";
import { queueReadyEmail } from "@/lib/provisioning/send-ready-email";
import { startProvisioning } from "@/lib/provisioning/start-provisioning";
import { markReady, startVm } from "@/lib/provisioning/start-vm";
import { checkReachable, lookWithin, NOT_REACHED, readyDeadline } from "@/lib/provisioning/readiness";
import { writeCloudInit } from "@/lib/provisioning/write-cloud-init";
import { prepareNetwork } from "@/lib/network/allocate-network";
import { attachNetwork } from "@/lib/network/attach-nic";
import { buildNetwork, checkFirewall, configureFirewall, updatePeerFirewalls } from "@/lib/network/provision-steps";

type Busy = { busy: true };
const MAX_CLONE_STARTS = 4;
// 5 s doubling to 10 min between tries: about 6 hours of mail outage before the operator is told.
const READY_EMAIL_TRIES = 44;
/**
 * Inngest fails a run past 1,000 steps, so every wait below has a budget for the whole run (not
 * per loop), and the worst case is provisionStepBudget(): waiting for a Proxmox slot (each busy
 * turn already waited up to 20 s inside its step, then sleeps 3 s doubling to 5 min: ~2 h in
 * all), someone else's clone config to clear, and our clone task (polled ≤ 45 s per step, 10 s
 * apart: ≥ 55 min, beyond CLONE_TIMEOUT_MINUTES' default).
 */
export const PROVISION_BUDGET = { busyTurns: 30, pendingChecks: 12, cloneChecks: 60, readinessLooks: 40 } as const;
const busyPause = (turn: number) => `${Math.min(3 * 2 ** (turn - 1), 300)}s`;

/** Worst-case steps of one provision-vm run: every budget above spent, every clone start used. */
export function provisionStepBudget(): number {
  const fixed = 3 + 2 + 1 + 1 + 1; // start provisioning, reserve vmid, choose node; access, tunnel; mark ready; peer firewalls; queue email
  // Clone + first wait per start; configure, grow, four network steps, cloud-init, start, check firewall.
  const proxmoxCalls = MAX_CLONE_STARTS * 2 + 9;
  // A step and a sleep each, plus the busy answer that finds the busy budget spent.
  const waits = 2 * (PROVISION_BUDGET.busyTurns + PROVISION_BUDGET.pendingChecks + PROVISION_BUDGET.cloneChecks) + 1;
  const cloneRestarts = MAX_CLONE_STARTS - 1; // the pause before each new clone
  const email = READY_EMAIL_TRIES * 2 - 1;
  // Readiness looks: a step and a sleep each, the last one fails the run.
  const readiness = 2 * PROVISION_BUDGET.readinessLooks - 1;
  return fixed + proxmoxCalls + waits + cloneRestarts + email + readiness;
}

export const provisionVmFunction = inngest.createFunction(
  {
    id: "provision-vm",
    name: "Provision a paid VM",
    triggers: [orderPaid],
    // One order's steps in sequence; `singleton` makes it one run per order.
    concurrency: [{ limit: 1, key: "event.data.orderId" }],
    singleton: { key: "event.data.orderId", mode: "skip" },
    retries: 5,
    // Inngest runs this once and without concurrency: it only hands over to the cleanup function,
    // which retries each action for hours (inngest/functions/cleanup-provisioning.ts).
    onFailure: async ({ event, error, step }) => {
      const { orderId, attempt } = event.data.event.data;
      await step.sendEvent("request cleanup", orderCleanupRequested.once({ orderId, attempt, error: error.message || "provisioning failed" }));
    },
  },
  async ({ event, step }) => {
    const { orderId, attempt } = event.data;
    // The order page's stage is written when it changes, not before every step (one query fewer each).
    let shownProgress: string | null = null;
    const run = <T>(name: string, progress: string | null, work: () => Promise<T>) =>
      step.run(name, async () => {
        if (progress && progress !== shownProgress) await setProgress(orderId, (shownProgress = progress));
        return await work();
      }) as Promise<T>;
    // A step that needs a Proxmox slot: while all are taken it returns "busy" and the run pauses,
    // longer each time, within the run's budget of busy turns.
    let busyTurns = 0;
    const proxmox = async <T>(name: string, progress: string, work: () => Promise<T>): Promise<T> => {
      for (let turn = 1; ; turn++) {
        const result = await run<T | Busy>(turn === 1 ? name : `${name} (turn ${turn})`, progress, async () => {
          try {
            return await work();
          } catch (error) {
            if (error instanceof ProxmoxBusyError) return { busy: true } as Busy;
            throw error;
          }
        });
        if (!(result && typeof result === "object" && "busy" in result)) return result as T;
        if (++busyTurns > PROVISION_BUDGET.busyTurns) throw new NonRetriableError(`${name}: no Proxmox work slot came free within the run's wait budget`);
        await step.sleep(`wait for a proxmox slot: ${name} ${turn}`, busyPause(busyTurns));
      }
    };
    let pendingChecks = 0;
    let cloneChecks = 0;
    const spend = (what: "pending" | "clone", label: string) => {
      const used = what === "pending" ? ++pendingChecks : ++cloneChecks;
      const budget = what === "pending" ? PROVISION_BUDGET.pendingChecks : PROVISION_BUDGET.cloneChecks;
      if (used > budget) throw new NonRetriableError(`${label}: still not finished after ${budget} checks`);
    };

    const started = await run("start provisioning", null, () => startProvisioning(orderId, attempt));
    if (!started.proceed) return { skipped: started.reason };

    const vmid = await run("reserve vmid", "reserving", () => reserveVmid(orderId));
    await run("choose node", "reserving", () => chooseNode(orderId));
    for (let start = 1; ; start++) {
      const suffix = start === 1 ? "" : ` (clone ${start})`;
      let clone = await proxmox(`clone template${suffix}`, "cloning", () => cloneTemplate(orderId));
      // Someone's clone is still writing the VMID's temporary config: wait before judging it.
      for (let check = 2; clone.pending; check++) {
        spend("pending", `clone template${suffix}: another clone's config`);
        await step.sleep(`pause before clone ownership check${suffix} ${check}`, "5s");
        clone = await proxmox(`clone template${suffix} ${check}`, "cloning", () => cloneTemplate(orderId));
      }
      let cloned = await proxmox(`wait for clone${suffix}`, "cloning", () => waitForClone(orderId, clone.upid));
      for (let check = 2; !cloned.done && !cloned.retryClone; check++) {
        spend("clone", `wait for clone${suffix}`);
        await step.sleep(`pause before clone check${suffix} ${check}`, "10s");
        cloned = await proxmox(`wait for clone${suffix} ${check}`, "cloning", () => waitForClone(orderId, clone.upid));
      }
      if (cloned.done) break;
      // The clone task lost the config lock and removed its own config: clone again.
      if (start >= MAX_CLONE_STARTS) throw new NonRetriableError(`clone template: the clone task lost the config lock ${start} times`);
      await step.sleep(`pause before clone ${start + 1}`, "10s");
    }
    await proxmox("configure vm", "configuring", () => configureVm(orderId));
    await proxmox("grow disk", "resizing", () => growDisk(orderId));
    // The customer's own network (issue 26): compensated by "remove vm firewall" / "release network".
    await proxmox("prepare network", "networking", () => prepareNetwork(orderId));
    await proxmox("build network", "networking", () => buildNetwork(orderId));
    await proxmox("attach network", "networking", () => attachNetwork(orderId));
    await proxmox("configure firewall", "networking", () => configureFirewall(orderId));
    await run("protect hostnames with access", "networking", () => protectHostnames(orderId));
    await run("create tunnel and dns", "networking", () => createTunnelAndDns(orderId));
    await proxmox("write cloud-init", "cloud_init", () => writeCloudInit(orderId));
    const { at: startedAt } = await proxmox("start vm", "starting", () => startVm(orderId));
    await proxmox("check firewall", "starting", () => checkFirewall(orderId));
    // Ready means reachable (issue 20): sleep-polled looks until GUEST_READY_TIMEOUT_SECONDS after
    // the start; each fact (agent, cloud-init, vmx, tunnel) is a stage on the order page. A guest
    // that never reports in fails the run, which compensates.
    const readyBy = readyDeadline(startedAt);
    for (let look = 1; ; look++) {
      const seen = await run(look === 1 ? "wait until reachable" : `wait until reachable ${look}`, null, () =>
        lookWithin(readyBy, (budget) => checkReachable(orderId, budget, (phase) => setProgress(orderId, (shownProgress = phase)))),
      );
      if (seen.ready) break;
      if (seen.expired || look >= PROVISION_BUDGET.readinessLooks)
        throw new NonRetriableError(`wait until reachable: ${NOT_REACHED[seen.phase]} before the readiness deadline`);
      await step.sleep(`pause before wait until reachable ${look + 1}`, "10s");
    }
    const ready = await run("mark ready", "finishing", () => markReady(orderId));
    await run("update peer firewalls", null, () => updatePeerFirewalls(orderId));
    // The VM is running: the customer's email must get out, through a mail outage if need be.
    const emailKey = await run("queue ready email", null, () => queueReadyEmail(orderId));
    for (let turn = 1; ; turn++) {
      const delivery = await run(turn === 1 ? "send ready email" : `send ready email ${turn}`, null, () => tryDeliverEmail(emailKey));
      if (delivery.done) break;
      if (turn >= READY_EMAIL_TRIES) throw new NonRetriableError(`send ready email: ${delivery.detail}`);
      await step.sleep(`pause before send ready email ${turn + 1}`, cleanupPauseMs(turn));
    }
    return { vmId: ready.vmId, vmid };
  },
);
