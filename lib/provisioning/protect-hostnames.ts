// Step "protect hostnames with access", before any DNS record or ingress rule exists: the VM's
// host label is issued (random, never reused: hostnames.ts) and the Cloudflare Access application
// for exactly its hostnames admits only its owner (lib/access/vm-access.ts). Both are found again
// on a re-run; compensation removes the application (cleanup-actions.ts), the label stays issued.
import { ensureVmAccess } from "@/lib/access/vm-access";
import { issueHostLabel } from "@/lib/provisioning/hostnames";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";

export async function protectHostnames(orderId: string): Promise<{ appId: string; hostnames: string[] }> {
  const vm = placedVmOf(await loadOrder(orderId));
  await issueHostLabel(vm.id);
  const { appId, hostnames } = await ensureVmAccess(vm.id);
  return { appId, hostnames };
}
