// The invariants of issue 12, checked against what the stand-ins themselves hold (their /_sim
// state, request log, mail sink, in-flight counter) and compared with what our database says.
// Each violation is one plain sentence naming the invariant, the order and the resource.
import type { PlacedOrder } from "./drive";
import type { ChaosWorld, Json } from "./world";

export interface Observation {
  orders: Array<
    PlacedOrder & {
      status: string;
      cleanupStatus?: string | null;
      cleanupRemaining?: string | null;
      failedAttempts: number;
      vm: Json | null;
      reservationVmid: number | null;
    }
  >;
  proxmoxVms: Json[];
  snippets: Json[];
  /** Every Proxmox request of the seed (collected while it ran: the stand-in keeps only the last 2000). */
  requests: Json[];
  inflightMax: number;
  tunnels: Json[];
  dnsRecords: Json[];
  /** Cloudflare Access applications and reusable policies in the account. */
  accessApps: Json[];
  accessPolicies: Json[];
  mails: Json[];
  operatorEmail: string;
  /** Issue 26: SDN objects (pending and running), guest firewall files, the database's customer networks. */
  network: {
    vnets: Array<{ vnet: string; alias?: string; tag?: number; where: "pending" | "running" }>;
    subnets: Array<{ id: string; vnet: string; where: "pending" | "running" }>;
    firewalls: Record<string, Json>;
    customerNetworks: Array<{ id: string; vnet: string; status: string; userEmail: string }>;
  };
}

/** Polls the Proxmox request log from a cursor so nothing falls out of its 2000-entry window. */
export function collectProxmoxRequests(world: ChaosWorld) {
  const seen: Json[] = [];
  let cursor = 0;
  let stopped = false;
  const poll = async () => {
    const batch: Json[] = await world.sim("proxmox", `requests?since=${cursor}`);
    for (const entry of batch) if (entry.status !== null || stopped) seen.push(entry);
    // An entry still in progress is fetched again next time (its status is filled in then).
    const open = batch.find((e) => e.status === null);
    cursor = open && !stopped ? open.id - 1 : (batch.at(-1)?.id ?? cursor);
    seen.splice(0, seen.length, ...dedupe(seen));
  };
  const timer = setInterval(() => void poll().catch(() => undefined), 200);
  return {
    snapshot: (): Json[] => dedupe(seen),
    async stop(): Promise<Json[]> {
      clearInterval(timer);
      stopped = true;
      await poll();
      return dedupe(seen);
    },
  };
}
const dedupe = (entries: Json[]) => [...new Map(entries.map((e) => [e.id, e])).values()].sort((a, b) => a.id - b.id);

export async function observe(world: ChaosWorld, orders: PlacedOrder[], requests: Json[]): Promise<Observation> {
  const { db, env } = world.app;
  const rows = await db.order.findMany({
    where: { id: { in: orders.map((o) => o.orderId) } },
    include: { vm: true, reservation: true },
  });
  const failures = await db.auditEvent
    .groupBy({
      by: ["subjectId"],
      where: { action: "order.provisioning_failed", subjectId: { in: orders.map((o) => o.orderId) } },
      _count: true,
    })
    .catch(() => [] as { subjectId: string; _count: number }[]);
  const cf = await world.sim("cloudflare", "state");
  const sdn = await world.sim("proxmox", "sdn");
  const sdnObjects = <T>(kind: "vnets" | "subnets", view: (id: string, section: Json, where: "pending" | "running") => T): T[] => [
    ...Object.entries(sdn.files[kind] as Record<string, Json>).map(([id, section]) => view(id, section, "pending")),
    ...Object.entries((sdn.running?.files[kind] ?? {}) as Record<string, Json>).map(([id, section]) => view(id, section, "running")),
  ];
  const networks = await db.customerNetwork.findMany({
    where: { user: { email: { in: orders.map((o) => o.userEmail) } } },
    include: { user: { select: { email: true } } },
  });
  return {
    orders: orders.map((o) => {
      const row = rows.find((r) => r.id === o.orderId)!;
      return {
        ...o,
        status: row.status,
        cleanupStatus: row.cleanupStatus,
        cleanupRemaining: row.cleanupRemaining,
        vm: row.vm,
        reservationVmid: row.reservation?.vmid ?? null,
        failedAttempts: failures.find((f) => f.subjectId === o.orderId)?._count ?? 0,
      };
    }),
    proxmoxVms: ((await world.sim("proxmox", "vms")) as Json[]).filter((v) => !v.config.template),
    snippets: await world.sim("proxmox", "snippets"),
    requests,
    inflightMax: (await world.sim("proxmox", "inflight")).max,
    tunnels: (cf.tunnels as Json[]).filter((t) => !t.deleted_at),
    dnsRecords: cf.dns_records,
    accessApps: cf.access_apps ?? [],
    accessPolicies: cf.access_policies ?? [],
    mails: (await world.sim("mail", "messages")).messages,
    operatorEmail: env().OPERATOR_EMAIL,
    network: {
      vnets: sdnObjects("vnets", (vnet, v, where) => ({ vnet, alias: v.alias, tag: v.tag, where })),
      subnets: sdnObjects("subnets", (id, s, where) => ({ id, vnet: s.vnet, where })),
      firewalls: (await world.sim("proxmox", "firewall")).vms,
      customerNetworks: networks.map((n) => ({ id: n.id, vnet: n.vnet, status: n.status, userEmail: n.user.email })),
    },
  };
}

const tunnelTarget = (tunnelId: string) => `${tunnelId}.cfargotunnel.com`;
const diskSizeGb = (spec: unknown) => Number(/size=(\d+)G/.exec(String(spec ?? ""))?.[1] ?? NaN);
const snippetOf = (vm: Json) => /snippets\/([^,\s]+)/.exec(String(vm?.config?.cicustom ?? ""))?.[1];
/** The tunnel a cloud-init snippet connects to: cloudflared's token is base64 of {"a","t","s"}. */
function tunnelOfSnippet(content: string): string | undefined {
  const token = /service,\s*install,\s*["']?([A-Za-z0-9+/=_-]+)["']?\s*\]/.exec(content)?.[1];
  if (!token) return undefined;
  try {
    return JSON.parse(Buffer.from(token, "base64").toString("utf8")).t;
  } catch {
    return undefined;
  }
}
const ingressHosts = (t: Json): string[] => (t.configuration?.config?.ingress ?? []).flatMap((r: Json) => (r.hostname ? [r.hostname] : []));

export function checkInvariants(o: Observation, limit: number, diskKey = "scsi0"): { violations: string[]; leftovers: Record<string, number> } {
  const v: string[] = [];
  const running = o.orders.filter((x) => x.status === "provisioned" && x.vm?.status === "running" && x.vm.vmid !== null);
  const runningVmids = new Set(running.map((x) => x.vm.vmid as number));

  // I1: nothing in Proxmox for an order Stripe never confirmed.
  for (const x of o.orders.filter((x) => x.plan.payment !== "paid")) {
    if (!["awaiting_payment", "expired"].includes(x.status)) v.push(`I1: unpaid order ${x.plan.index} (${x.plan.payment}) is ${x.status}`);
    if (x.vm || x.reservationVmid !== null) v.push(`I1: unpaid order ${x.plan.index} (${x.plan.payment}) has a VM row or VMID reservation`);
    const touched = o.requests.filter((r) => Object.values(r.params ?? {}).some((p) => String(p).includes(x.hostname) || String(p).includes(x.orderId)));
    if (touched.length)
      v.push(`I1: Proxmox received ${touched.length} request(s) for unpaid order ${x.plan.index} (first: ${touched[0].method} ${touched[0].path})`);
  }
  const paidNames = o.orders.filter((x) => x.plan.payment === "paid").flatMap((x) => [x.hostname, x.orderId]);
  for (const clone of o.requests.filter((r) => r.method === "POST" && /\/clone$/.test(r.path))) {
    const params = Object.values(clone.params ?? {}).map(String);
    if (!params.some((p) => paidNames.some((n) => p.includes(n)))) v.push(`I1: a clone (${clone.path}, newid ${clone.params?.newid}) names no paid order`);
  }

  // Every paid order ends running with its plan, or failed with its cleanup finished.
  for (const x of o.orders.filter((x) => x.plan.payment === "paid")) {
    const who = `paid order ${x.plan.index} (${x.plan.plan})`;
    if (x.status === "failed") {
      if (x.reservationVmid !== null) v.push(`I8: failed ${who} still holds VMID reservation ${x.reservationVmid}`);
      if (x.cleanupStatus && x.cleanupStatus !== "done")
        v.push(`I8: failed ${who} has cleanup ${x.cleanupStatus}${x.cleanupRemaining ? ` (${x.cleanupRemaining})` : ""}`);
      continue;
    }
    if (x.status !== "provisioned" || x.vm?.status !== "running" || x.vm.vmid === null) {
      v.push(`I8: ${who} is stuck: order ${x.status}, VM ${x.vm?.status ?? "none"}`);
      continue;
    }
    const vm = o.proxmoxVms.find((p) => p.vmid === x.vm.vmid);
    if (!vm) {
      v.push(`${who}: its VM ${x.vm.vmid} does not exist in Proxmox`);
      continue;
    }
    if (vm.status !== "running") v.push(`${who}: Proxmox VM ${vm.vmid} is ${vm.status}, not running`);
    if (Number(vm.config.cores) !== x.resources.vcpus) v.push(`${who}: VM ${vm.vmid} has ${vm.config.cores} cores, plan ${x.resources.vcpus}`);
    if (Number(vm.config.memory) !== x.resources.ramGb * 1024) v.push(`${who}: VM ${vm.vmid} has ${vm.config.memory} MB, plan ${x.resources.ramGb} GB`);
    if (diskSizeGb(vm.config[diskKey]) !== x.resources.diskGb) v.push(`${who}: VM ${vm.vmid} disk ${vm.config[diskKey]}, plan ${x.resources.diskGb} GB`);
    if (x.reservationVmid !== x.vm.vmid) v.push(`${who}: reservation ${x.reservationVmid} is not its VMID ${x.vm.vmid}`);
    const tunnel = o.tunnels.find((t) => t.id === x.vm.tunnelId);
    if (!tunnel) v.push(`I5: ${who}: its tunnel ${x.vm.tunnelId} is not live in Cloudflare`);
    const hosts = [x.vm.sshHostname, ...(x.resources.labType === "eve" ? [x.vm.webHostname] : [])];
    for (const host of hosts) {
      if (!host) {
        v.push(`${who}: a hostname is missing on its VM row`);
        continue;
      }
      if (tunnel && !ingressHosts(tunnel).includes(host)) v.push(`I5: ${who}: ${host} is not routed by its own tunnel`);
      const records = o.dnsRecords.filter((r) => r.name === host);
      if (records.length !== 1 || records[0].type !== "CNAME" || records[0].content !== tunnelTarget(x.vm.tunnelId)) {
        v.push(`I5: ${who}: DNS for ${host} is ${JSON.stringify(records.map((r) => `${r.type} ${r.content}`))}, not one CNAME to its tunnel`);
      }
    }
    // I5: one Access application for exactly its hostnames, its one policy admitting exactly its owner.
    const apps = o.accessApps.filter((a) => a.id === x.vm.accessAppId);
    if (apps.length !== 1) v.push(`I5: ${who}: its Access application ${x.vm.accessAppId ?? "(none)"} does not exist`);
    else {
      const uris = (apps[0].destinations ?? []).map((d: Json) => d.uri).sort();
      const wanted = hosts.filter(Boolean).sort();
      if (JSON.stringify(uris) !== JSON.stringify(wanted))
        v.push(`I5: ${who}: its Access application covers ${JSON.stringify(uris)}, not exactly ${JSON.stringify(wanted)}`);
      const policies = apps[0].policies ?? [];
      const admits =
        policies.length === 1 &&
        policies[0].decision === "allow" &&
        JSON.stringify(policies[0].include) === JSON.stringify([{ email: { email: x.userEmail } }]);
      if (!admits) v.push(`I5: ${who}: its Access policy does not admit exactly ${x.userEmail}: ${JSON.stringify(policies)}`);
    }
    for (const h of hosts) {
      const covering = o.accessApps.filter((a) => (a.destinations ?? []).some((d: Json) => d.uri === h));
      if (covering.length !== 1) v.push(`I5: ${who}: ${covering.length} Access applications cover ${h}`);
    }
    const snippetName = snippetOf(vm);
    const snippet = o.snippets.find((s) => s.name === snippetName);
    if (!snippet) v.push(`${who}: VM ${vm.vmid} points at snippet ${snippetName ?? "(none)"}, which does not exist`);
    else if (tunnelOfSnippet(snippet.content) !== x.vm.tunnelId)
      v.push(`I5: ${who}: its cloud-init connects to tunnel ${tunnelOfSnippet(snippet.content)}, not its own ${x.vm.tunnelId}`);
  }

  // No orphans: everything in the stand-ins belongs to exactly one running VM.
  const orphanVms = o.proxmoxVms.filter((p) => !runningVmids.has(p.vmid));
  for (const p of orphanVms) v.push(`I8: orphan Proxmox VM ${p.vmid} (${p.name}, ${p.status}, lock ${p.lock ?? "none"})`);
  const tunnelOwners = new Map<string, number>();
  for (const x of running) if (x.vm.tunnelId) tunnelOwners.set(x.vm.tunnelId, (tunnelOwners.get(x.vm.tunnelId) ?? 0) + 1);
  const orphanTunnels = o.tunnels.filter((t) => !tunnelOwners.has(t.id));
  for (const t of orphanTunnels) v.push(`I8: orphan tunnel ${t.name} (${t.id})`);
  for (const [id, n] of tunnelOwners) if (n > 1) v.push(`I5: ${n} running VMs share tunnel ${id}`);
  const ownedHosts = new Map<string, string>();
  for (const x of running)
    for (const h of [x.vm.sshHostname, x.vm.webHostname])
      if (h) {
        if (ownedHosts.has(h)) v.push(`I5: two running VMs share hostname ${h}`);
        ownedHosts.set(h, x.vm.tunnelId);
      }
  const orphanRecords = o.dnsRecords.filter((r) => !ownedHosts.has(r.name) || r.content !== tunnelTarget(ownedHosts.get(r.name)!));
  for (const r of orphanRecords) v.push(`I8: orphan DNS record ${r.type} ${r.name} → ${r.content}`);
  const routed = new Map<string, number>();
  for (const t of o.tunnels) for (const h of ingressHosts(t)) routed.set(h, (routed.get(h) ?? 0) + 1);
  for (const [h, n] of routed) if (n > 1) v.push(`I5: ${n} tunnels route ${h}`);
  const liveApps = new Set(running.map((x) => x.vm.accessAppId).filter(Boolean));
  const orphanApps = o.accessApps.filter((a) => !liveApps.has(a.id));
  for (const a of orphanApps) v.push(`I8: orphan Access application ${a.name} (${a.id})`);
  const livePolicies = new Set(running.map((x) => x.vm.accessPolicyId).filter(Boolean));
  const orphanPolicies = o.accessPolicies.filter((p) => !livePolicies.has(p.id));
  for (const p of orphanPolicies) v.push(`I8: orphan Access policy ${p.name} (${p.id})`);
  const usedSnippets = new Set(o.proxmoxVms.filter((p) => runningVmids.has(p.vmid)).map(snippetOf));
  const orphanSnippets = o.snippets.filter((s) => !usedSnippets.has(s.name));
  for (const s of orphanSnippets) v.push(`I8: orphan cloud-init snippet ${s.name}`);
  const tokens = o.snippets.map((s) => tunnelOfSnippet(s.content)).filter(Boolean);
  if (new Set(tokens).size !== tokens.length) v.push(`I5: two cloud-init snippets carry the same tunnel token`);
  const orphanReservations = o.orders.filter((x) => x.reservationVmid !== null && !(x.status === "provisioned" && x.vm?.vmid === x.reservationVmid));
  for (const x of orphanReservations) if (x.status !== "failed") v.push(`I8: order ${x.plan.index} (${x.status}) holds VMID reservation ${x.reservationVmid}`);

  // One ready email per running VM, none otherwise; the operator hears of every failed attempt.
  for (const x of o.orders) {
    const ready = o.mails.filter((m) => (m.to as string[]).includes(x.userEmail) && /is ready/.test(m.subject)).length;
    const expected = running.includes(x) ? 1 : 0;
    if (ready !== expected) v.push(`I3: order ${x.plan.index} (${x.status}) got ${ready} ready emails, expected ${expected}`);
    const toOperator = o.mails.filter((m) => (m.to as string[]).includes(o.operatorEmail) && String(m.subject).includes(x.orderId)).length;
    if (toOperator < x.failedAttempts) v.push(`I8: order ${x.plan.index} failed ${x.failedAttempts} time(s) but the operator got ${toOperator} email(s)`);
  }

  if (o.inflightMax > limit) v.push(`Proxmox in-flight maximum ${o.inflightMax} is above PROVISION_CONCURRENCY=${limit}`);

  const net = checkTenantNetworks(o, running, runningVmids);
  v.push(...net.violations);

  return {
    violations: v,
    leftovers: {
      vms: orphanVms.length,
      tunnels: orphanTunnels.length,
      dnsRecords: orphanRecords.length,
      snippets: orphanSnippets.length,
      accessApps: orphanApps.length,
      accessPolicies: orphanPolicies.length,
      reservations: orphanReservations.length,
      ...net.leftovers,
    },
  };
}

/**
 * Issue 26: every running VM on its customer's VNet with the firewall on and its own address in
 * ipfilter; no two customers on one VNet, no customer split over two; and nothing else — no VNet,
 * subnet, guest firewall file or customer network that no running VM uses.
 */
function checkTenantNetworks(o: Observation, running: Observation["orders"], runningVmids: Set<number>) {
  const v: string[] = [];
  const { vnets, subnets, firewalls, customerNetworks } = o.network;
  const live = new Set(running.map((x) => x.vm.networkId).filter(Boolean));
  const rowOf = new Map(customerNetworks.map((n) => [n.id, n]));
  for (const x of running) {
    const who = `paid order ${x.plan.index} (${x.plan.plan})`;
    const row = rowOf.get(x.vm.networkId);
    const vm = o.proxmoxVms.find((p) => p.vmid === x.vm.vmid);
    if (!row) {
      v.push(`I5: ${who}: its VM is on no customer network`);
      continue;
    }
    if (row.userEmail !== x.userEmail) v.push(`I5: ${who}: its VM is on another customer's network ${row.vnet}`);
    const net0 = String(vm?.config?.net0 ?? "");
    if (!new RegExp(`,bridge=${row.vnet},firewall=1$`).test(net0)) v.push(`I5: ${who}: VM ${x.vm.vmid}'s NIC is "${net0}", not on ${row.vnet} with firewall=1`);
    const fw = firewalls[String(x.vm.vmid)];
    if (!fw?.options?.enable || !fw?.options?.ipfilter) v.push(`I5: ${who}: VM ${x.vm.vmid}'s firewall is not on with ipfilter`);
    const own = (fw?.ipset?.["ipfilter-net0"] ?? []).map((e: Json) => e.cidr);
    if (own.length !== 1 || own[0] !== x.vm.ipAddress)
      v.push(`I5: ${who}: VM ${x.vm.vmid}'s ipfilter-net0 is ${JSON.stringify(own)}, not its address ${x.vm.ipAddress}`);
  }
  const customersOf = new Map<string, Set<string>>();
  const networksOf = new Map<string, Set<string>>();
  for (const x of running) {
    customersOf.set(x.vm.networkId, (customersOf.get(x.vm.networkId) ?? new Set()).add(x.userEmail));
    networksOf.set(x.userEmail, (networksOf.get(x.userEmail) ?? new Set()).add(x.vm.networkId));
  }
  for (const [id, who] of customersOf) if (who.size > 1) v.push(`I5: ${who.size} customers share network ${rowOf.get(id)?.vnet ?? id}`);
  for (const [email, ids] of networksOf) if (ids.size > 1) v.push(`I5: ${email}'s running VMs are on ${ids.size} networks`);

  const ownedVnets = new Set([...live].map((id) => rowOf.get(id)?.vnet));
  const orphanVnets = vnets.filter((n) => !(n.alias?.startsWith("labvps-") && live.has(n.alias.slice("labvps-".length))));
  for (const n of orphanVnets) v.push(`I8: orphan VNet ${n.vnet} (${n.where}, alias ${n.alias ?? "none"})`);
  const orphanSubnets = subnets.filter((s) => !ownedVnets.has(s.vnet));
  for (const s of orphanSubnets) v.push(`I8: orphan subnet ${s.id} on ${s.vnet} (${s.where})`);
  const orphanFirewalls = Object.keys(firewalls).filter((vmid) => !runningVmids.has(Number(vmid)));
  for (const vmid of orphanFirewalls) v.push(`I8: orphan guest firewall file for VMID ${vmid}`);
  const orphanNetworks = customerNetworks.filter((n) => !live.has(n.id));
  for (const n of orphanNetworks) v.push(`I8: orphan customer network ${n.vnet} (${n.status}) of ${n.userEmail}`);
  return {
    violations: v,
    leftovers: { vnets: orphanVnets.length, subnets: orphanSubnets.length, firewalls: orphanFirewalls.length, networks: orphanNetworks.length },
  };
}
