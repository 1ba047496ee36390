// A tunnel named for a VM row that is gone or destroyed, and a DNS record pointing at a tunnel no
// live VM owns: left behind by a cleanup that never ran, or made by hand. Deleting either is
// destructive (a customer's hostname stops resolving): second confirmation, never automatic.
import { db } from "@/lib/db";
import { deleteDnsRecord, deleteTunnel, findLiveTunnel } from "@/lib/provisioning/tunnel-dns";
import { cloudflare } from "@/lib/access/cloudflare";
import { env } from "@/lib/env";
import type { Finder, World } from "@/lib/reconcile/world";

const vmIdOfTunnel = (name: string) => name.replace(/^labvps-vm-/, "");
const liveTunnelIds = (world: World) => new Set(world.vms.map((v) => v.tunnelId).filter(Boolean));

export const orphanTunnel: Finder = {
  kind: "orphan_tunnel",
  action: { label: "Delete the tunnel", destructive: true },
  find(world) {
    const live = new Set(world.vms.map((v) => v.id));
    const owned = liveTunnelIds(world);
    return world.tunnels
      .filter((t) => !live.has(vmIdOfTunnel(t.name)) && !owned.has(t.id))
      .map((t) => ({ subject: t.id, summary: `Tunnel ${t.name} belongs to no live VM`, evidence: { tunnelId: t.id, name: t.name } }));
  },
  async apply(finding) {
    const { tunnelId, name } = finding.evidence as { tunnelId: string; name: string };
    if (await db.vm.count({ where: { OR: [{ tunnelId }, { id: vmIdOfTunnel(name) }], status: { not: "destroyed" } } }))
      return "a live VM owns it now: left alone";
    if (!(await findLiveTunnel(tunnelId))) return "already gone";
    await deleteTunnel(tunnelId);
    return `deleted tunnel ${name}`;
  },
};

export const orphanDnsRecord: Finder = {
  kind: "orphan_dns_record",
  action: { label: "Delete the DNS record", destructive: true },
  find(world) {
    const owned = liveTunnelIds(world);
    const recorded = new Set(world.vms.flatMap((v) => [v.sshDnsRecordId, v.webDnsRecordId]).filter(Boolean));
    return world.dnsRecords
      .filter((r) => !recorded.has(r.id) && !owned.has(r.content.replace(/\.cfargotunnel\.com$/, "")))
      .map((r) => ({
        subject: r.id,
        summary: `DNS ${r.name} points at a tunnel no live VM owns`,
        evidence: { recordId: r.id, name: r.name, content: r.content },
      }));
  },
  async apply(finding) {
    const { recordId, content } = finding.evidence as { recordId: string; content: string };
    const tunnelId = content.replace(/\.cfargotunnel\.com$/, "");
    if (await db.vm.count({ where: { OR: [{ tunnelId }, { sshDnsRecordId: recordId }, { webDnsRecordId: recordId }], status: { not: "destroyed" } } }))
      return "a live VM owns it now: left alone";
    try {
      await cloudflare().dns.records.get(recordId, { zone_id: env().CLOUDFLARE_ZONE_ID });
    } catch {
      return "already gone";
    }
    await deleteDnsRecord(recordId);
    return `deleted DNS record ${recordId}`;
  },
};
