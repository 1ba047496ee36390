// Steps "configure vm" and "grow disk" (the NIC and the address: lib/network/attach-nic.ts). Both read the config first and write only what differs,
// so a re-run after success sends no write at all (I3). The VM password is generated once, sealed
// (AES-256-GCM) and stored before it is sent anywhere; a re-run reuses it (I9). User, password
// and keys go into the cicustom user-data (write-cloud-init.ts) and nowhere else: `cicustom
// user=` replaces the generated user-data, so `ciuser`/`cipassword`/`sshkeys` would be ignored.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { openSecret, generateVmPassword, sealSecret } from "@/lib/crypto/secret-box";
import { getVmConfig, setVmConfig, type VmConfig } from "@/lib/proxmox/api";
import { growDiskTo, memoryMiB } from "@/lib/proxmox/machine";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { parsePublicKey } from "@/lib/ssh-keys/parse-public-key";

/** The VM's password in clear, creating and storing it (sealed) the first time. */
export async function vmPassword(vmId: string): Promise<string> {
  const { VM_SECRET_KEY } = env();
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { passwordCiphertext: true } });
  if (vm.passwordCiphertext) return openSecret(vm.passwordCiphertext, VM_SECRET_KEY);
  // Conditional write: two overlapping runs still end with one password, the first one stored.
  await db.vm.updateMany({ where: { id: vmId, passwordCiphertext: null }, data: { passwordCiphertext: sealSecret(generateVmPassword(), VM_SECRET_KEY) } });
  const stored = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { passwordCiphertext: true } });
  return openSecret(stored.passwordCiphertext!, VM_SECRET_KEY);
}

/** Normalised key lines (comments dropped): what Proxmox and cloud-init receive. */
export function normalisedKeys(lines: string[]): string[] {
  return lines.map((line, i) => {
    const parsed = parsePublicKey(line);
    if (!parsed.ok) throw new ProvisioningHaltedError(`order SSH key ${i + 1} is not valid: ${parsed.error}`);
    return parsed.key.normalized;
  });
}

const differs = (config: VmConfig, key: string, wanted: string | number) => String(config[key] ?? "") !== String(wanted);

export async function configureVm(orderId: string): Promise<{ changed: string[] }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  // Keys are checked here (a tampered key halts before anything is written); they reach the VM
  // through the user-data only.
  normalisedKeys(order.sshPublicKeys);
  // The node's CPU type: `host` passes vmx/svm through, so the lab can run its own VMs (nested).
  const node = await db.proxmoxNode.findUniqueOrThrow({ where: { name: vm.nodeName }, select: { cpuType: true } });
  const wanted = {
    name: order.hostname,
    cores: vm.vcpus,
    memory: memoryMiB(vm.ramGb),
    cpu: node.cpuType,
  };
  const config = await withLockRetry(() => getVmConfig(vm.nodeName, vm.vmid));
  const changed = Object.entries(wanted)
    .filter(([key, value]) => differs(config, key, value))
    .map(([key]) => key);
  if (changed.length === 0) return { changed };
  // A synchronous config write is Proxmox work too: it holds a slot while it runs.
  await withProxmoxSlot(vmSlotHolder(vm.id, "config"), () => withLockRetry(() => setVmConfig(vm.nodeName, vm.vmid, wanted)));
  return { changed };
}

export async function growDisk(orderId: string): Promise<{ fromGb: number; toGb: number }> {
  const vm = placedVmOf(await loadOrder(orderId));
  const grown = await growDiskTo({ node: vm.nodeName, vmid: vm.vmid }, vm.diskGb, vmSlotHolder(vm.id, "resize"));
  if (!grown) throw new ProvisioningHaltedError(`the clone has no ${env().PROXMOX_DISK} disk with a size`);
  return grown;
}
