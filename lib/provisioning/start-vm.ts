// Steps "start vm" and "mark ready". Starting is skipped when Proxmox says the VM runs already;
// marking ready moves the VM and the order with conditional transitions, so a re-run is a no-op.
import { recordAudit } from "@/lib/audit/record-audit";
import { transitionOrder } from "@/lib/orders/order-state";
import { ensurePower } from "@/lib/proxmox/machine";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { vmSlotHolder } from "@/lib/proxmox/work-slots";
import { transitionVm } from "@/lib/vms/vm-state";

/** The start task is retried when it failed on a config lock (its exit status), not only the POST. */
/** `at`: when the start was confirmed, the readiness deadline's origin (memoised with the step). */
export async function startVm(orderId: string): Promise<{ started: boolean; at: number }> {
  const vm = placedVmOf(await loadOrder(orderId));
  const started = await ensurePower({ node: vm.nodeName, vmid: vm.vmid }, "running", vmSlotHolder(vm.id, "start"), "VM start");
  return { started, at: Date.now() };
}

export async function markReady(orderId: string): Promise<{ vmId: string; moved: boolean }> {
  const vm = placedVmOf(await loadOrder(orderId));
  const now = new Date();
  await transitionVm(vm.id, "provisioning", "running", { readyAt: now });
  const moved = await transitionOrder(orderId, "provisioning", "provisioned", { provisionedAt: now, progressStep: null });
  if (moved) {
    await recordAudit({ type: "system" }, "order.provisioned", { type: "order", id: orderId }, { vmId: vm.id, vmid: vm.vmid, node: vm.nodeName });
  }
  return { vmId: vm.id, moved };
}
