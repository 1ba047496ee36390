// Steps "upload cloud-init" and "attach cloud-init": render the user-data (hostname, user with
// password hash and SSH keys, cloudflared with this VM's tunnel token), write it over SFTP on the
// VM's own node (its SSH host, its pinned key, its snippet storage), then point the VM at it and rebuild the
// cloud-init drive through the API (`PUT config cicustom`, `PUT .../cloudinit`): SSH only writes
// the file, so no `qm` runs on a node that may not hold the VM's config. The snippet is named
// after the VM row (not the reusable VMID), so it can never be another VM's. Every value is
// validated before the SSH connection opens. The token is a secret: never logged, never stored (I9).
// Like the token, an EVE-NG VM's web admin password is in the snippet on the operator's node: the
// guest reads it once at first boot (EVE-NG's API takes the password itself, not a hash).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { renderUserData } from "@/lib/cloud-init/render-user-data";
import { sha512Crypt } from "@/lib/cloud-init/sha512-crypt";
import { getVmConfig, regenerateCloudInit, setVmConfig } from "@/lib/proxmox/api";
import { NodeNotConfiguredError, loadNodeAccess, snippetLocation } from "@/lib/proxmox/node-access";
import { SftpStatusError, withSsh } from "@/lib/proxmox/ssh";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { vmPassword } from "@/lib/provisioning/configure-vm";
import { eveAdminPassword } from "@/lib/provisioning/eve-credentials";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { snippetFileName } from "@/lib/provisioning/naming";
import { tunnelToken } from "@/lib/provisioning/tunnel-dns";

/**
 * Step "upload cloud-init": the user-data file on the VM's node over SFTP (no Proxmox API call, so
 * it runs while the clone is made). `sshPublicKeys`: a rebuild's (the customer's keys when they
 * asked); otherwise the order's own. `snippetPath` on the row says the file is there.
 */
export async function uploadCloudInit(orderId: string, options: { sshPublicKeys?: string[] } = {}): Promise<{ snippetPath: string; written: boolean }> {
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
    // EVE-NG: the web admin gets this VM's own password at first boot instead of the image's default.
    ...(vm.labType === "eve" ? { eveAdminPassword: await eveAdminPassword(vm.id) } : {}),
  });
  const snippet = snippetLocation(access, snippetFileName(vm.id));

  await withSsh(access.ssh, async (ssh) => {
    try {
      await ssh.writeFile(snippet.path, userData);
    } catch (error) {
      // The snippet directory is made on first use only: one round trip fewer on every other upload.
      if (!(error instanceof SftpStatusError && error.noSuchFile)) throw error;
      await ssh.exec(["mkdir", "-p", access.snippetDir]);
      await ssh.writeFile(snippet.path, userData);
    }
  });
  await db.vm.update({ where: { id: vm.id }, data: { snippetPath: snippet.path } });
  return { snippetPath: snippet.path, written: true };
}

/**
 * Step "attach cloud-init": points the clone at the uploaded file and rebuilds its cloud-init drive
 * through the API (`PUT config cicustom`, `PUT …/cloudinit`): SSH only wrote the file, so no `qm`
 * runs on a node that may not hold the VM's config. A VM already pointing there needs nothing (the
 * drive is rebuilt at start too).
 */
export async function attachCloudInit(orderId: string): Promise<{ attached: boolean }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (!vm.snippetPath) throw new ProvisioningHaltedError("the cloud-init file is not uploaded yet");
  const access = await loadNodeAccess(vm.nodeName).catch((err) => {
    throw err instanceof NodeNotConfiguredError ? new ProvisioningHaltedError(err.message) : err;
  });
  const cicustom = `user=${snippetLocation(access, snippetFileName(vm.id)).volid}`;
  if (String((await withLockRetry(() => getVmConfig(vm.nodeName, vm.vmid))).cicustom ?? "") === cicustom) return { attached: false };
  // Config writes hold a Proxmox work slot while they run (lib/proxmox/work-slots.ts). `cicustom`
  // is only format-checked when set; the file is read when the drive is rebuilt.
  await withProxmoxSlot(vmSlotHolder(vm.id, "cloud-init"), async () => {
    await withLockRetry(() => setVmConfig(vm.nodeName, vm.vmid, { cicustom }));
    await withLockRetry(() => regenerateCloudInit(vm.nodeName, vm.vmid));
  });
  return { attached: true };
}

/** Both, in order (a rebuild's clone exists already; tests). */
export async function writeCloudInit(orderId: string, options: { sshPublicKeys?: string[] } = {}): Promise<{ snippetPath: string; written: boolean }> {
  const uploaded = await uploadCloudInit(orderId, options);
  await attachCloudInit(orderId);
  return uploaded;
}
