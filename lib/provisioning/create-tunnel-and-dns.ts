// Step "create tunnel and dns": one Cloudflare tunnel per VM row (named with the row id, so a
// tunnel found by that name is provably this row's), its ingress (`ssh-<label>` → the VM's sshd,
// and `eve-<label>` → the EVE-NG web UI for EVE plans), and a proxied CNAME per hostname pointing
// at that tunnel. Every ingress rule carries `originRequest.access` {required, teamName, audTag}
// with the VM's Access application (created by the step before): cloudflared then refuses any
// request without that application's token itself, whatever else is misconfigured at the edge
// (cloudflared ingress/middleware/jwtvalidator.go). Each id is stored on the Vm row as soon as it
// exists. A stored id is trusted only after checking it is still live and ours: a stale one (an
// earlier attempt's) is never reused, so no other VM's tunnel is rewritten and no record is
// skipped (I5, I8).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { getAccessApp } from "@/lib/access/access-api";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { loadOrder, placedVmOf } from "@/lib/provisioning/load-order";
import { accessName, isTunnelOf, sshHostname, tunnelName, tunnelTarget, webHostname } from "@/lib/provisioning/naming";
import { ensureCname, ensureIngress, ensureTunnel, findLiveTunnel, type IngressRule } from "@/lib/provisioning/tunnel-dns";

async function ownTunnel(vm: { id: string; tunnelId: string | null }): Promise<string> {
  const stored = vm.tunnelId ? await findLiveTunnel(vm.tunnelId) : null;
  if (stored && isTunnelOf(vm.id, stored.name)) return stored.id;
  const tunnelId = await ensureTunnel(tunnelName(vm.id));
  await db.vm.update({ where: { id: vm.id }, data: { tunnelId } });
  return tunnelId;
}

/** The VM's Access application's audience tag; without the application nothing is published. */
async function accessAud(vm: { id: string; accessAppId: string | null }): Promise<string> {
  const app = vm.accessAppId ? await getAccessApp(vm.accessAppId) : null;
  if (!app || app.name !== accessName(vm.id) || !app.aud)
    throw new ProvisioningHaltedError(`VM ${vm.id} has no Access application: its hostnames are not published without one`);
  return app.aud;
}

export async function createTunnelAndDns(orderId: string): Promise<{ tunnelId: string; hostnames: string[] }> {
  const order = await loadOrder(orderId);
  const vm = placedVmOf(order);
  if (!vm.hostLabel) throw new ProvisioningHaltedError(`VM ${vm.id} has no host label`);
  const aud = await accessAud(vm);
  const tunnelId = await ownTunnel(vm);

  const hosts = [
    { hostname: sshHostname(vm.hostLabel), service: "ssh://localhost:22", field: "ssh" as const },
    ...(vm.labType === "eve" ? [{ hostname: webHostname(vm.hostLabel), service: "http://localhost:80", field: "web" as const }] : []),
  ];
  const access = { required: true, teamName: env().CLOUDFLARE_ACCESS_TEAM, audTag: [aud] };
  const ingress: IngressRule[] = [...hosts.map(({ hostname, service }) => ({ hostname, service, originRequest: { access } })), { service: "http_status:404" }];
  await ensureIngress(tunnelId, ingress);

  // Looked up every time (by name and target), not skipped because an id is stored: the record
  // must exist and point at this row's tunnel, whatever an earlier attempt left in the row.
  for (const host of hosts) {
    const recordId = await ensureCname(host.hostname, tunnelTarget(tunnelId));
    const stored = host.field === "ssh" ? [vm.sshDnsRecordId, vm.sshHostname] : [vm.webDnsRecordId, vm.webHostname];
    if (stored[0] === recordId && stored[1] === host.hostname) continue; // a re-run writes nothing (I3)
    const data = host.field === "ssh" ? { sshDnsRecordId: recordId, sshHostname: host.hostname } : { webDnsRecordId: recordId, webHostname: host.hostname };
    await db.vm.update({ where: { id: vm.id }, data });
  }
  return { tunnelId, hostnames: hosts.map((h) => h.hostname) };
}
