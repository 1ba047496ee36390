// Step "create tunnel and dns": one Cloudflare tunnel per VM (`labvps-<vmid>`), its ingress
// (`ssh-<vmid>` → the VM's sshd, and `eve-<vmid>` → the EVE-NG web UI for EVE plans), and a proxied
// CNAME per hostname. Each id is stored on the Vm row as soon as it exists, so a re-run finds
// everything and changes nothing, and compensation knows what to delete.
import { db } from "@/lib/db";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { sshHostname, tunnelName, tunnelTarget, webHostname } from "@/lib/provisioning/naming";
import { ensureCname, ensureIngress, ensureTunnel, type IngressRule } from "@/lib/provisioning/tunnel-dns";

export async function createTunnelAndDns(orderId: string): Promise<{ tunnelId: string; hostnames: string[] }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);

  let tunnelId = vm.tunnelId;
  if (!tunnelId) {
    tunnelId = await ensureTunnel(tunnelName(vm.vmid));
    await db.vm.update({ where: { id: vm.id }, data: { tunnelId } });
  }

  const hosts = [
    { hostname: sshHostname(vm.vmid), service: "ssh://localhost:22", recordId: vm.sshDnsRecordId, field: "ssh" as const },
    ...(vm.labType === "eve" ? [{ hostname: webHostname(vm.vmid), service: "http://localhost:80", recordId: vm.webDnsRecordId, field: "web" as const }] : []),
  ];
  const ingress: IngressRule[] = [...hosts.map(({ hostname, service }) => ({ hostname, service })), { service: "http_status:404" }];
  await ensureIngress(tunnelId, ingress);

  for (const host of hosts) {
    if (host.recordId) continue;
    const recordId = await ensureCname(host.hostname, tunnelTarget(tunnelId));
    const data = host.field === "ssh" ? { sshDnsRecordId: recordId, sshHostname: host.hostname } : { webDnsRecordId: recordId, webHostname: host.hostname };
    await db.vm.update({ where: { id: vm.id }, data });
  }
  return { tunnelId, hostnames: hosts.map((h) => h.hostname) };
}
