// Step "write cloud-init": renders the user-data (hostname, user with password hash and SSH keys,
// cloudflared with this VM's tunnel token), uploads it over SFTP to the snippets directory, points
// the VM at it (`qm set --cicustom`) and rebuilds the cloud-init drive. Every value is validated
// before the SSH connection opens, and commands are built from checked tokens (no shell parsing
// of our input). The token is a secret: it is never logged and never stored in the database (I9).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { renderUserData } from "@/lib/cloud-init/render-user-data";
import { sha512Crypt } from "@/lib/cloud-init/sha512-crypt";
import { withProxmoxSsh } from "@/lib/proxmox/ssh";
import { vmPassword } from "@/lib/provisioning/configure-vm";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { slotHolder, snippetFileName, snippetPathFor } from "@/lib/provisioning/naming";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot } from "@/lib/proxmox/work-slots";
import { tunnelToken } from "@/lib/provisioning/tunnel-dns";

export async function writeCloudInit(orderId: string): Promise<{ snippetPath: string; written: boolean }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (vm.snippetPath) return { snippetPath: vm.snippetPath, written: false };
  if (!vm.tunnelId) throw new ProvisioningHaltedError("the VM has no tunnel yet");
  const { PROXMOX_SNIPPETS_DIR, PROXMOX_SNIPPETS_STORAGE, VM_DEFAULT_USER } = env();

  const userData = renderUserData({
    hostname: order.hostname,
    user: VM_DEFAULT_USER,
    sshPublicKeys: order.sshPublicKeys,
    tunnelToken: await tunnelToken(vm.tunnelId),
    passwordHash: sha512Crypt(await vmPassword(vm.id)),
  });
  const file = snippetFileName(vm.id);
  const snippetPath = snippetPathFor(vm.id);

  await withProxmoxSsh(async (ssh) => {
    await ssh.exec(["mkdir", "-p", PROXMOX_SNIPPETS_DIR]);
    await ssh.writeFile(snippetPath, userData);
    // Config writes: they hold a Proxmox work slot while they run (lib/proxmox/work-slots.ts).
    await withProxmoxSlot(slotHolder("cloud-init", vm.id), async () => {
      await withLockRetry(() => ssh.exec(["qm", "set", vm.vmid, "--cicustom", `user=${PROXMOX_SNIPPETS_STORAGE}:snippets/${file}`]));
      await withLockRetry(() => ssh.exec(["qm", "cloudinit", "update", vm.vmid]));
    });
  });
  await db.vm.update({ where: { id: vm.id }, data: { snippetPath } });
  return { snippetPath, written: true };
}
