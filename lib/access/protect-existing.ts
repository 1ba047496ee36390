// The upgrade for VMs built before every VM had Cloudflare Access (issue 23): they keep their
// hostnames (`ssh-<vmid>`: customers have them in ~/.ssh/config), and get what new VMs get — an
// Access application for exactly those hostnames admitting only the owner, and the tunnel's
// ingress requiring that application's token at the connector. Idempotent: a VM already
// protected is left as it is. Run by `npm run access:protect-existing` (scripts/).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { ensureVmAccess } from "@/lib/access/vm-access";
import { findLiveTunnel, ensureIngress, type IngressRule } from "@/lib/provisioning/tunnel-dns";
import { isTunnelOf } from "@/lib/provisioning/naming";

export type ProtectResult = { vmId: string; result: string };

/** One VM: Access for its stored hostnames, then `originRequest.access` on its tunnel's rules. */
export async function protectExistingVm(vmId: string): Promise<string> {
  const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId } });
  if (!vm.sshHostname || !vm.tunnelId) return "skipped: no published hostname or tunnel";
  const tunnel = await findLiveTunnel(vm.tunnelId);
  if (!tunnel || !isTunnelOf(vm.id, tunnel.name)) return "skipped: its tunnel is not live or not its own";
  const { aud, hostnames } = await ensureVmAccess(vm.id);
  const access = { required: true, teamName: env().CLOUDFLARE_ACCESS_TEAM, audTag: [aud] };
  const services: Record<string, string> = { [vm.sshHostname]: "ssh://localhost:22", ...(vm.webHostname ? { [vm.webHostname]: "http://localhost:80" } : {}) };
  const ingress: IngressRule[] = [
    ...hostnames.map((hostname) => ({ hostname, service: services[hostname]!, originRequest: { access } })),
    { service: "http_status:404" },
  ];
  const changed = await ensureIngress(vm.tunnelId, ingress);
  return `Access for ${hostnames.join(", ")}${changed ? "; ingress now requires it" : ""}`;
}

/** Every live VM without an Access application. */
export async function protectExistingVms(): Promise<ProtectResult[]> {
  const vms = await db.vm.findMany({
    where: { status: { in: ["running", "stopped"] }, accessAppId: null },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  const out: ProtectResult[] = [];
  for (const vm of vms) {
    try {
      out.push({ vmId: vm.id, result: await protectExistingVm(vm.id) });
    } catch (error) {
      out.push({ vmId: vm.id, result: `FAILED: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return out;
}
