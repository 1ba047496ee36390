// Step "write cloud-init": renders the user-data (hostname, user with password hash and SSH keys,
// cloudflared with this VM's tunnel token), writes it over SFTP on the VM's own node (its SSH
// host, its pinned key, its snippet storage), then points the VM at it and rebuilds the
// cloud-init drive through the API (`PUT config cicustom`, `PUT .../cloudinit`): SSH only writes
// the file, so no `qm` runs on a node that may not hold the VM's config. The snippet is named
// after the VM row (not the reusable VMID), so it can never be another VM's. Every value is
// validated before the SSH connection opens. The token is a secret: never logged, never stored (I9).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { renderUserData } from "@/lib/cloud-init/render-user-data";
import { sha512Crypt } from "@/lib/cloud-init/sha512-crypt";
import { regenerateCloudInit, setVmConfig } from "@/lib/proxmox/api";
import { NodeNotConfiguredError, loadNodeAccess, snippetLocation } from "@/lib/proxmox/node-access";
import { withSsh } from "@/lib/proxmox/ssh";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot } from "@/lib/proxmox/work-slots";
import { vmPassword } from "@/lib/provisioning/configure-vm";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { slotHolder, snippetFileName } from "@/lib/provisioning/naming";
import { tunnelToken } from "@/lib/provisioning/tunnel-dns";

/** `sshPublicKeys`: a rebuild's (the customer's keys when they asked); otherwise the order's own. */
export async function writeCloudInit(orderId: string, options: { sshPublicKeys?: string[] } = {}): Promise<{ snippetPath: string; written: boolean }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (vm.snippetPath) return { snippetPath: vm.snippetPath, written: false };
  if (!vm.tunnelId) throw new ProvisioningHaltedError("the VM has no tunnel yet");
  const access = await loadNodeAccess(vm.nodeName).catch((err) => {
    throw err instanceof NodeNotConfiguredError ? new ProvisioningHaltedError(err.message) : err;
  });

  const userData = renderUserData({
    hostname: order.hostname,
    user: env().VM_DEFAULT_USER,
    sshPublicKeys: options.sshPublicKeys ?? order.sshPublicKeys,
    tunnelToken: await tunnelToken(vm.tunnelId),
    passwordHash: sha512Crypt(await vmPassword(vm.id)),
  });
  const snippet = snippetLocation(access, snippetFileName(vm.id));

  await withSsh(access.ssh, async (ssh) => {
    await ssh.exec(["mkdir", "-p", access.snippetDir]);
    await ssh.writeFile(snippet.path, userData);
  });
  // Config writes hold a Proxmox work slot while they run (lib/proxmox/work-slots.ts). `cicustom`
  // is only format-checked when set; the file is read when the drive is rebuilt.
  await withProxmoxSlot(slotHolder("cloud-init", vm.id), async () => {
    await withLockRetry(() => setVmConfig(vm.nodeName, vm.vmid, { cicustom: `user=${snippet.volid}` }));
    await withLockRetry(() => regenerateCloudInit(vm.nodeName, vm.vmid));
  });
  await db.vm.update({ where: { id: vm.id }, data: { snippetPath: snippet.path } });
  return { snippetPath: snippet.path, written: true };
}
