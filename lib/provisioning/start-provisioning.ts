// Step "start provisioning": claims the order for this attempt and creates its Vm row. The order's
// status and `provisionAttempts` are the guard that lets exactly one run per attempt proceed: a
// duplicate or stale `order/paid` (an older attempt, an order already provisioned) does nothing (I3).
import { db } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record-audit";
import { transitionOrder } from "@/lib/orders/order-state";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { CLEARED_PLACEMENT } from "@/lib/provisioning/load-order";
import { parsePublicKey } from "@/lib/ssh-keys/parse-public-key";
import { transitionVm } from "@/lib/vms/vm-state";

export type StartResult = { proceed: true; vmId: string } | { proceed: false; reason: string };

const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * What gets interpolated into Proxmox parameters, cloud-init and SSH commands later is checked
 * here, before any infrastructure is touched. Checkout validated it already; this guards rows
 * written by anything else.
 */
function checkOrderInput(order: { hostname: string; sshPublicKeys: string[] }) {
  if (!HOSTNAME.test(order.hostname)) throw new ProvisioningHaltedError("order hostname is not a DNS label; refusing to provision");
  if (order.sshPublicKeys.length === 0) throw new ProvisioningHaltedError("order has no SSH public key");
  order.sshPublicKeys.forEach((line, i) => {
    const parsed = parsePublicKey(line);
    if (!parsed.ok) throw new ProvisioningHaltedError(`order SSH key ${i + 1} is not valid: ${parsed.error}`);
  });
}

export async function startProvisioning(orderId: string, attempt: number): Promise<StartResult> {
  const order = await db.order.findUnique({ where: { id: orderId }, include: { plan: true, vm: true } });
  if (!order) return { proceed: false, reason: "order not found" };
  // A restore order re-attaches a kept VM (inngest/functions/restore-vm.ts): nothing to build.
  if (order.kind === "restore") return { proceed: false, reason: "a restore order builds nothing" };

  const rerun = order.status === "provisioning" && order.provisionAttempts === attempt;
  if (!rerun) {
    if ((order.status !== "paid" && order.status !== "failed") || order.provisionAttempts >= attempt) {
      return { proceed: false, reason: `order is ${order.status} at attempt ${order.provisionAttempts}; this is attempt ${attempt}` };
    }
    // A retry starts from a clean state: the failed attempt's cleanup must have confirmed every
    // resource gone (and released the VMID) first, or its leftovers would meet the new attempt.
    if (order.status === "failed" && order.cleanupStatus !== null && order.cleanupStatus !== "done") {
      return { proceed: false, reason: `attempt ${order.provisionAttempts}'s cleanup is ${order.cleanupStatus.replace("_", " ")}` };
    }
    checkOrderInput(order);
    const claimed = await db.$transaction(async (tx) => {
      const moved = await transitionOrder(
        orderId,
        ["paid", "failed"],
        "provisioning",
        {
          provisionAttempts: attempt,
          progressStep: "reserving",
          failureReason: null,
          customerMessage: null,
          failedAt: null,
          cleanupStatus: null,
          cleanupDeadlineAt: null,
          cleanupRemaining: null,
        },
        tx,
      );
      if (!moved) return false;
      if (order.vm && order.status === "failed") {
        // No id of the failed attempt survives into this one (I8): nothing stale to reuse.
        await tx.vm.update({
          where: { id: order.vm.id },
          data: CLEARED_PLACEMENT,
        });
      }
      if (!order.vm) {
        await tx.vm.create({
          data: {
            userId: order.userId,
            orderId,
            planId: order.planId,
            name: order.hostname,
            status: "provisioning",
            labType: order.plan.labType,
            vcpus: order.plan.vcpus,
            ramGb: order.plan.ramGb,
            diskGb: order.plan.diskGb,
          },
        });
      }
      await recordAudit({ type: "system" }, "order.provisioning_started", { type: "order", id: orderId }, { attempt }, tx);
      return true;
    });
    if (!claimed) return { proceed: false, reason: "another run moved the order first" };
  }

  const vm = await db.vm.findUniqueOrThrow({ where: { orderId } });
  // A retry reuses the Vm row of the failed attempt; it goes back to provisioning here.
  if (vm.status === "failed") await transitionVm(vm.id, "failed", "provisioning");
  else if (vm.status !== "provisioning" && vm.status !== "running") throw new ProvisioningHaltedError(`VM ${vm.id} is ${vm.status}, not provisioning`);
  return { proceed: true, vmId: vm.id };
}
