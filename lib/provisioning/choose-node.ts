// Step "choose node": the least-loaded enabled node with room for the plan and a template for its
// lab type (lib/capacity decides, counting live VMs and in-flight orders). Once chosen, the node is
// kept on the Vm row, so a re-run clones where the first run decided.
import { db } from "@/lib/db";
import { findNodeWithRoom } from "@/lib/capacity/find-node-with-room";
import { withCapacityLock } from "@/lib/capacity/capacity-lock";
import { loadOrder, vmOf } from "@/lib/provisioning/load-order";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import type { CloneMode, LabType } from "@/lib/generated/prisma/client";

export type Placement = { nodeName: string; templateVmid: number };

export type TemplateChoice = { templateVmid: number; cloneMode: CloneMode };

/** The node's default image of the lab type, or (a rebuild's choice) that image, which must be of the same lab type. */
export async function templateFor(nodeName: string, labType: LabType, templateId?: string | null): Promise<TemplateChoice> {
  const template = await db.template.findFirst({
    where: { labType, node: { name: nodeName }, ...(templateId ? { id: templateId } : { isDefault: true }) },
    orderBy: { createdAt: "asc" },
    select: { templateVmid: true, cloneMode: true },
  });
  if (!template) throw new ProvisioningHaltedError(`node ${nodeName} has no ${templateId ? `image ${templateId} of type` : "default"} ${labType} template`);
  return template;
}

export async function templateOn(nodeName: string, labType: LabType): Promise<number> {
  return (await templateFor(nodeName, labType)).templateVmid;
}

export async function chooseNode(orderId: string): Promise<Placement> {
  const order = await loadOrder(orderId);
  const vm = vmOf(order);
  if (vm.nodeName) return { nodeName: vm.nodeName, templateVmid: await templateOn(vm.nodeName, vm.labType) };
  const demand = { vcpus: vm.vcpus, ramGb: vm.ramGb, diskGb: vm.diskGb, labType: vm.labType };
  // Under the capacity lock, like checkout: two runs placing at once would each count the other
  // as unplaced demand and could both pick the same nearly-full node.
  const node = await withCapacityLock(async (tx) => {
    const chosen = await findNodeWithRoom(demand, { excludeOrderId: orderId, client: tx });
    if (chosen) await tx.vm.update({ where: { id: vm.id }, data: { nodeName: chosen.name } });
    return chosen;
  });
  // Room may free up (a VM destroyed, a checkout expiring): a plain error, so Inngest retries.
  if (!node) throw new Error(`no enabled node has room for ${vm.vcpus} vCPU / ${vm.ramGb} GB / ${vm.diskGb} GB (${vm.labType})`);
  return { nodeName: node.name, templateVmid: await templateOn(node.name, vm.labType) };
}
