// Step "send ready email": exactly one per VM, whatever re-runs (I3). The outbox key
// `vm-ready:<vmId>` makes the row unique and is Resend's idempotency key.
import { env } from "@/lib/env";
import { sendEmailOnce } from "@/lib/email/outbox";
import { renderVmReadyEmail } from "@/lib/email/templates/vm-ready";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";

export const readyEmailKey = (vmId: string) => `vm-ready:${vmId}`;

export async function sendReadyEmail(orderId: string): Promise<{ key: string; providerId: string | null; alreadySent: boolean }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (!vm.sshHostname) throw new ProvisioningHaltedError("the VM has no SSH hostname");
  const { APP_URL, VM_DEFAULT_USER } = env();
  const email = renderVmReadyEmail({
    customerName: order.user.name,
    vmName: vm.name,
    vmid: vm.vmid,
    sshHostname: vm.sshHostname,
    webHostname: vm.webHostname,
    sshUser: VM_DEFAULT_USER,
    vmUrl: `${APP_URL.replace(/\/$/, "")}/vms/${vm.id}`,
  });
  const key = readyEmailKey(vm.id);
  const sent = await sendEmailOnce({ key, to: order.user.email, ...email });
  return { key, ...sent };
}
