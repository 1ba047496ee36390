// Steps "queue ready email" and "send ready email": exactly one per VM, whatever re-runs (I3). The
// outbox key `vm-ready:<vmId>` makes the row unique and is Resend's idempotency key. The row is
// written first; delivery is tried until it is out, so a mail outage delays it, never loses it.
import { env } from "@/lib/env";
import { enqueueEmail, sendEmailOnce } from "@/lib/email/outbox";
import { renderVmReadyEmail } from "@/lib/email/templates/vm-ready";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { accessSignIn } from "@/lib/vms/ssh-access";

export const readyEmailKey = (vmId: string) => `vm-ready:${vmId}`;

/** Writes the VM's ready email into the outbox (once, whatever re-runs) and returns its key. */
export async function queueReadyEmail(orderId: string): Promise<string> {
  const { key, email, to } = await readyEmailFor(orderId);
  await enqueueEmail({ key, to, ...email });
  return key;
}

export async function sendReadyEmail(orderId: string): Promise<{ key: string; providerId: string | null; alreadySent: boolean }> {
  const { key, email, to } = await readyEmailFor(orderId);
  const sent = await sendEmailOnce({ key, to, ...email });
  return { key, ...sent };
}

async function readyEmailFor(orderId: string) {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (!vm.sshHostname) throw new ProvisioningHaltedError("the VM has no SSH hostname");
  const { APP_URL, VM_DEFAULT_USER } = env();
  const email = renderVmReadyEmail({
    customerName: order.user.name,
    customerEmail: order.user.email,
    protectedByAccess: vm.accessAppId !== null,
    signIn: accessSignIn(),
    vmName: vm.name,
    vmid: vm.vmid,
    sshHostname: vm.sshHostname,
    webHostname: vm.webHostname,
    sshUser: VM_DEFAULT_USER,
    vmUrl: `${APP_URL.replace(/\/$/, "")}/vms/${vm.id}`,
  });
  return { key: readyEmailKey(vm.id), email, to: order.user.email };
}
