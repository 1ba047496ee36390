// One read of everything a provisioning step needs, and the narrowing each step relies on.
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";

export async function loadOrder(orderId: string) {
  return db.order.findUniqueOrThrow({
    where: { id: orderId },
    include: { plan: true, vm: true, reservation: true, user: { select: { id: true, email: true, name: true } } },
  });
}

export type LoadedOrder = Awaited<ReturnType<typeof loadOrder>>;
type Vm = NonNullable<LoadedOrder["vm"]>;

/** The order's VM, which step "start provisioning" created; its absence is a bug, not a blip. */
export function vmOf(order: LoadedOrder): Vm {
  if (!order.vm) throw new ProvisioningHaltedError(`order ${order.id} has no VM row`);
  return order.vm;
}

/** The VM once a VMID is reserved and a node chosen (every step after "choose node"). */
export function placedVmOf(order: LoadedOrder): Vm & { vmid: number; nodeName: string } {
  const vm = vmOf(order);
  if (vm.vmid === null || vm.nodeName === null) throw new ProvisioningHaltedError(`VM ${vm.id} has no VMID or node yet`);
  return vm as Vm & { vmid: number; nodeName: string };
}

/** Marks where the order is, for the order page (customer-safe step keys, I4). */
export async function setProgress(orderId: string, progressStep: string) {
  await db.order.updateMany({ where: { id: orderId, status: "provisioning" }, data: { progressStep } });
}

/**
 * Everything a build attempt placed on the VM row, cleared: its VMID and node, its secrets, its
 * tunnel, DNS records, hostnames and snippet. A retry starts from this (I8): no id of the failed
 * attempt survives to be reused, and a VMID given back carries nothing that names it.
 */
export const CLEARED_PLACEMENT = {
  vmid: null,
  nodeName: null,
  clonedAt: null,
  passwordCiphertext: null,
  eveAdminPasswordCiphertext: null,
  tunnelId: null,
  sshDnsRecordId: null,
  webDnsRecordId: null,
  sshHostname: null,
  webHostname: null,
  snippetPath: null,
} as const satisfies Prisma.VmUpdateInput;
