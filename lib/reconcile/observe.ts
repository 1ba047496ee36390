// Reads the World a reconciliation compares (./world.ts): our rows, then Proxmox, Cloudflare and
// Stripe, each in as few requests as their APIs allow.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { cloudflare } from "@/lib/access/cloudflare";
import { listClusterVms } from "@/lib/proxmox/api";
import type { World } from "@/lib/reconcile/world";

export async function observeWorld(): Promise<World> {
  const config = env();
  const [vms, enforcements, ordersInFlight, reservations, nodes, templates] = await Promise.all([
    db.vm.findMany({
      where: { status: { not: "destroyed" } },
      select: {
        id: true,
        orderId: true,
        userId: true,
        name: true,
        vmid: true,
        nodeName: true,
        status: true,
        tunnelId: true,
        sshDnsRecordId: true,
        webDnsRecordId: true,
        order: { select: { stripeSubscriptionId: true } },
      },
    }),
    db.billingEnforcement.findMany({ select: { orderId: true, state: true } }),
    db.order.findMany({ where: { status: { in: ["awaiting_payment", "paid", "provisioning"] } }, select: { id: true, stripeSubscriptionId: true } }),
    db.vmidReservation.findMany({
      select: { vmid: true, orderId: true, order: { select: { status: true, cleanupStatus: true, vm: { select: { status: true } } } } },
    }),
    db.proxmoxNode.findMany({ where: { enabled: true }, select: { name: true } }),
    db.template.findMany({ select: { templateVmid: true } }),
  ]);
  const stateByOrder = new Map(enforcements.map((e) => [e.orderId, e.state as string]));
  const [proxmox, tunnels, dnsRecords, subscriptions] = await Promise.all([listClusterVms(), listTunnels(), listDnsRecords(), listSubscriptions()]);
  return {
    vms: vms.map(({ order, ...vm }) => ({
      ...vm,
      status: vm.status as string,
      billingState: stateByOrder.get(vm.orderId) ?? null,
      stripeSubscriptionId: order.stripeSubscriptionId,
    })),
    ordersInFlight,
    reservations: reservations.map((r) => ({
      vmid: r.vmid,
      orderId: r.orderId,
      orderStatus: r.order.status,
      cleanupStatus: r.order.cleanupStatus,
      vmRowStatus: r.order.vm?.status ?? null,
    })),
    enabledNodes: nodes.map((n) => n.name),
    vmidRange: { min: config.VM_ID_MIN, max: config.VM_ID_MAX },
    templateVmids: templates.map((t) => t.templateVmid),
    baseDomain: config.BASE_DOMAIN,
    proxmox: proxmox.filter((g) => !g.template),
    tunnels,
    dnsRecords,
    subscriptions,
  };
}

async function listTunnels() {
  const found: World["tunnels"] = [];
  for await (const t of cloudflare().zeroTrust.tunnels.cloudflared.list({ account_id: env().CLOUDFLARE_ACCOUNT_ID, is_deleted: false, per_page: 1000 })) {
    if (t.id && t.name && !t.deleted_at && t.name.startsWith("labvps-vm-")) found.push({ id: t.id, name: t.name });
  }
  return found;
}

async function listDnsRecords() {
  const found: World["dnsRecords"] = [];
  for await (const r of cloudflare().dns.records.list({ zone_id: env().CLOUDFLARE_ZONE_ID, type: "CNAME", per_page: 5000 })) {
    if (r.id && typeof r.content === "string" && r.content.endsWith(".cfargotunnel.com"))
      found.push({ id: r.id, name: r.name, type: r.type, content: r.content });
  }
  return found;
}

async function listSubscriptions() {
  const found: World["subscriptions"] = [];
  for await (const s of stripe().subscriptions.list({ status: "all", limit: 100 })) {
    if (["active", "past_due", "unpaid", "trialing"].includes(s.status)) {
      found.push({ id: s.id, status: s.status, customer: typeof s.customer === "string" ? s.customer : s.customer.id, orderId: s.metadata?.orderId ?? null });
    }
  }
  return found;
}
