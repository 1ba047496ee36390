// The customer's view of a VM: an explicit whitelist built from an explicit select, so internal
// columns (node, tunnel, DNS record ids, snippet path, password ciphertext) never reach a page,
// a JSON answer or a client component (I4). Every loader is scoped to the owner (I5).
import { db } from "@/lib/db";
import type { PowerAction, PowerRequestStatus, Prisma, VmStatus } from "@/lib/generated/prisma/client";
import { labTypeLabel } from "@/lib/catalog/list-plans";
import { allowedPowerActions, isActivePowerStatus, powerActionLabel, powerStatusMessage } from "@/lib/power/power-rules";
import { eveWebUrl, sshConfigBlock, sshHostAlias } from "@/lib/vms/ssh-access";

export const vmStatusLabel: Record<VmStatus, string> = {
  provisioning: "Setting up",
  running: "Running",
  stopped: "Stopped",
  failed: "Failed",
  destroyed: "Deleted",
};

const customerVmSelect = {
  id: true,
  name: true,
  vmid: true,
  status: true,
  labType: true,
  vcpus: true,
  ramGb: true,
  diskGb: true,
  sshHostname: true,
  webHostname: true,
  // Read as a yes/no only: whether the page may say "Cloudflare Access" (the id never leaves, I4).
  accessAppId: true,
  createdAt: true,
  readyAt: true,
  nestedVirt: true,
  plan: { select: { name: true } },
} as const satisfies Prisma.VmSelect;
type CustomerVmRow = Prisma.VmGetPayload<{ select: typeof customerVmSelect }>;

const powerRequestSelect = { id: true, action: true, status: true, createdAt: true, finishedAt: true } as const satisfies Prisma.PowerRequestSelect;
type PowerRequestRow = Prisma.PowerRequestGetPayload<{ select: typeof powerRequestSelect }>;

export type CustomerVmView = {
  id: string;
  name: string;
  vmid: number | null;
  planName: string;
  labType: string;
  vcpus: number;
  ramGb: number;
  diskGb: number;
  status: VmStatus;
  statusLabel: string;
  /** Present once the VM has a VMID and has finished provisioning. */
  access: { sshHostname: string; sshConfig: string; alias: string; eveUrl: string | null; protectedByAccess: boolean } | null;
  createdAt: string;
  readyAt: string | null;
  /** Confirmed inside the guest at readiness (vmx/svm); null before that. */
  nestedVirt: boolean | null;
};

export type PowerRequestView = {
  id: string;
  action: PowerAction;
  actionLabel: string;
  status: PowerRequestStatus;
  active: boolean;
  message: string;
  createdAt: string;
  finishedAt: string | null;
};

export type VmStatusView = { id: string; status: VmStatus; statusLabel: string; power: PowerRequestView | null; allowedActions: PowerAction[] };

export function toCustomerVmView(vm: CustomerVmRow): CustomerVmView {
  const vmid = vm.status === "running" || vm.status === "stopped" ? vm.vmid : null;
  return {
    id: vm.id,
    name: vm.name,
    vmid: vm.vmid,
    planName: vm.plan.name,
    labType: labTypeLabel[vm.labType],
    vcpus: vm.vcpus,
    ramGb: vm.ramGb,
    diskGb: vm.diskGb,
    status: vm.status,
    statusLabel: vmStatusLabel[vm.status],
    access:
      vmid === null || !vm.sshHostname
        ? null
        : {
            sshHostname: vm.sshHostname,
            sshConfig: sshConfigBlock({ name: vm.name, vmid, hostname: vm.sshHostname }),
            alias: sshHostAlias(vm.name, vmid),
            eveUrl: eveWebUrl(vm.labType, vm.webHostname),
            protectedByAccess: vm.accessAppId !== null,
          },
    createdAt: vm.createdAt.toISOString(),
    readyAt: vm.readyAt?.toISOString() ?? null,
    nestedVirt: vm.nestedVirt,
  };
}

/** Never includes the request's `error` (operator text from Proxmox, I4). */
export function toPowerRequestView(request: PowerRequestRow): PowerRequestView {
  return {
    id: request.id,
    action: request.action,
    actionLabel: powerActionLabel[request.action],
    status: request.status,
    active: isActivePowerStatus(request.status),
    message: powerStatusMessage(request.action, request.status),
    createdAt: request.createdAt.toISOString(),
    finishedAt: request.finishedAt?.toISOString() ?? null,
  };
}

function latestPowerRequest(vmId: string) {
  return db.powerRequest.findFirst({ where: { vmId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: powerRequestSelect });
}

function statusView(vm: { id: string; status: VmStatus }, request: PowerRequestRow | null): VmStatusView {
  const power = request ? toPowerRequestView(request) : null;
  return { id: vm.id, status: vm.status, statusLabel: vmStatusLabel[vm.status], power, allowedActions: power?.active ? [] : allowedPowerActions(vm.status) };
}

/** Everything the VM page shows, or null when the VM does not exist or is not this user's (I5). */
export async function loadVmPage(userId: string, vmId: string): Promise<{ vm: CustomerVmView; state: VmStatusView } | null> {
  const vm = await db.vm.findFirst({ where: { id: vmId, userId, status: { not: "destroyed" } }, select: customerVmSelect });
  if (!vm) return null;
  return { vm: toCustomerVmView(vm), state: statusView(vm, await latestPowerRequest(vm.id)) };
}

/** What the page polls while a power request runs; null for someone else's VM (I5). */
export async function loadVmStatus(userId: string, vmId: string): Promise<VmStatusView | null> {
  const vm = await db.vm.findFirst({ where: { id: vmId, userId, status: { not: "destroyed" } }, select: { id: true, status: true } });
  if (!vm) return null;
  return statusView(vm, await latestPowerRequest(vm.id));
}
