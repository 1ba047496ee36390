// Bringing one VM's Proxmox firewall to what it must be (desired-firewall.ts), and checking it.
// Reads first, then only the writes that differ: a second run sends nothing (I3). Ipsets before
// rules (a rule naming a missing set is refused), options last (the firewall is switched on only
// over complete rules). Rule positions are kept where they already match, so the unchanging OUT
// rules are never rewritten for a customer's inbound change; if they are wrong (a hand edit), the
// outbound policy is DROP while they are rewritten: never a moment open to other customers.
import { db } from "@/lib/db";
import {
  addIpsetEntry,
  createFirewallRule,
  createIpset,
  deleteFirewallRule,
  deleteIpset,
  getFirewallOptions,
  listFirewallRules,
  listIpset,
  listIpsets,
  moveFirewallRule,
  removeIpsetEntry,
  setFirewallOptions,
} from "@/lib/proxmox/firewall-api";
import { withLockRetry } from "@/lib/proxmox/tasks";
import { withProxmoxSlot, vmSlotHolder } from "@/lib/proxmox/work-slots";
import { IPSETS, type WantedFirewall, commonPrefix, normaliseCidr, wantedFirewall } from "@/lib/network/desired-firewall";
import { loadNetworkSettings } from "@/lib/network/settings";

const OUT_RULES = 3;

/** What this VM's firewall must hold, from the database (its network, its owner's VMs and choices). */
export async function wantedFirewallFor(vmId: string): Promise<{ node: string; vmid: number; wanted: WantedFirewall; revision: number } | null> {
  const vm = await db.vm.findUniqueOrThrow({
    where: { id: vmId },
    include: { network: true, firewallRules: { orderBy: { createdAt: "asc" } } },
  });
  if (vm.vmid === null || !vm.nodeName || !vm.ipAddress) return null;
  const settings = await loadNetworkSettings();
  if (!settings) throw new Error("network settings are not configured (admin → nodes)");
  const management = settings.managementCidrs.split(/\s+/).filter(Boolean);
  let own: string[];
  let tenants: string[];
  let gateway: string;
  if (vm.network) {
    own = [vm.network.subnet];
    tenants = [settings.addressPool];
    gateway = vm.network.gateway;
  } else {
    // The bridge fallback: one subnet for everybody, so "own" is the owner's VMs' addresses.
    const peers = await db.vm.findMany({ where: { userId: vm.userId, ipAddress: { not: null }, networkId: null }, select: { ipAddress: true } });
    own = peers.map((p) => p.ipAddress!);
    tenants = settings.bridgeSubnet ? [settings.bridgeSubnet] : [];
    gateway = settings.bridgeGateway ?? "";
  }
  const wanted = wantedFirewall({
    address: vm.ipAddress,
    own,
    blocked: [...management, ...(gateway ? [gateway] : [])],
    tenants,
    allowAllOwn: vm.firewallAllowAllOwn,
    customerRules: vm.firewallRules.map((r) => ({ id: r.id, protocol: r.protocol, ports: r.ports })),
  });
  return { node: vm.nodeName, vmid: vm.vmid, wanted, revision: vm.firewallRevision };
}

type Actual = Awaited<ReturnType<typeof readActual>>;

async function readActual(node: string, vmid: number, names: string[]) {
  const [options, rules, sets] = await Promise.all([getFirewallOptions(node, vmid), listFirewallRules(node, vmid), listIpsets(node, vmid)]);
  const present = new Set(sets.map((s) => s.name));
  const entries: Record<string, string[]> = {};
  for (const name of new Set([...names, ...present])) {
    entries[name] = present.has(name) ? (await listIpset(node, vmid, name)).map((e) => normaliseCidr(e.cidr)) : [];
  }
  return { options, rules, present, entries };
}

/** Every way the firewall differs from the wanted one, as short lines (empty: as it must be). */
export function differences(actual: Actual, wanted: WantedFirewall): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(wanted.options)) {
    if (String((actual.options as Record<string, unknown>)[key] ?? "") !== String(value)) out.push(`option ${key}`);
  }
  for (const [name, cidrs] of Object.entries(wanted.ipsets)) {
    if (!actual.present.has(name)) out.push(`ipset ${name} missing`);
    const have = new Set(actual.entries[name] ?? []);
    for (const c of cidrs) if (!have.has(c)) out.push(`ipset ${name} lacks ${c}`);
    for (const c of have) if (!cidrs.includes(c)) out.push(`ipset ${name} has ${c}`);
  }
  for (const name of actual.present) if (name.startsWith("labvps-") && !wanted.ipsets[name]) out.push(`ipset ${name} not wanted`);
  const prefix = commonPrefix(actual.rules, wanted.rules);
  if (prefix < actual.rules.length || prefix < wanted.rules.length) out.push(`rules from position ${prefix}`);
  return out;
}

async function write(node: string, vmid: number, actual: Actual, wanted: WantedFirewall): Promise<void> {
  const call = <T>(work: () => Promise<T>) => withLockRetry(work);
  for (const [name, cidrs] of Object.entries(wanted.ipsets)) {
    if (!actual.present.has(name)) await call(() => createIpset(node, vmid, name, "labvps"));
    const have = actual.entries[name] ?? [];
    for (const c of cidrs) if (!have.includes(c)) await call(() => addIpsetEntry(node, vmid, name, c));
    for (const c of have) if (!cidrs.includes(c)) await call(() => removeIpsetEntry(node, vmid, name, c));
  }
  const prefix = commonPrefix(actual.rules, wanted.rules);
  const rewrite = prefix < actual.rules.length || prefix < wanted.rules.length;
  if (rewrite && prefix < OUT_RULES && actual.options.enable === 1) await call(() => setFirewallOptions(node, vmid, { policy_out: "DROP" }));
  if (rewrite) {
    for (let pos = actual.rules.length - 1; pos >= prefix; pos--) await call(() => deleteFirewallRule(node, vmid, pos));
    if (prefix === 0) {
      // An empty list: each new rule goes first, so creating them last to first needs no moves.
      for (const rule of [...wanted.rules].reverse()) await call(() => createFirewallRule(node, vmid, rule));
    } else {
      for (let i = prefix; i < wanted.rules.length; i++) {
        await call(() => createFirewallRule(node, vmid, wanted.rules[i]!));
        // A new rule is put first: move it to its place, after the i rules before it.
        await call(() => moveFirewallRule(node, vmid, 0, i + 1));
      }
    }
  }
  for (const name of actual.present) if (name.startsWith("labvps-") && !wanted.ipsets[name]) await call(() => deleteIpset(node, vmid, name));
  const options = Object.fromEntries(
    Object.entries(wanted.options).filter(([key, value]) => rewrite || String((actual.options as Record<string, unknown>)[key] ?? "") !== String(value)),
  );
  if (Object.keys(options).length) await call(() => setFirewallOptions(node, vmid, options));
}

/**
 * Makes the VM's firewall what it must be; the writes hold a Proxmox work slot. Returns what was
 * wrong (empty when nothing needed changing) and the customer revision it carried out.
 */
export async function syncVmFirewall(vmId: string): Promise<{ changed: string[]; revision: number | null }> {
  const target = await wantedFirewallFor(vmId);
  if (!target) {
    // No VMID, node or address (gone, or built before tenant networks): nothing of it to manage.
    const vm = await db.vm.findUniqueOrThrow({ where: { id: vmId }, select: { firewallRevision: true } });
    await db.vm.updateMany({
      where: { id: vmId, firewallAppliedRevision: { lte: vm.firewallRevision } },
      data: { firewallAppliedRevision: vm.firewallRevision },
    });
    return { changed: [], revision: null };
  }
  const { node, vmid, wanted, revision } = target;
  const actual = await readActual(node, vmid, Object.keys(wanted.ipsets));
  const changed = differences(actual, wanted);
  if (changed.length) await withProxmoxSlot(vmSlotHolder(vmId, "firewall"), () => write(node, vmid, actual, wanted));
  await db.vm.updateMany({
    where: { id: vmId, firewallAppliedRevision: { lte: revision } },
    data: { firewallAppliedRevision: revision, firewallCheckedAt: new Date() },
  });
  return { changed, revision };
}

/** Read only: what differs from the wanted firewall right now (readiness and reconciliation). */
export async function checkVmFirewall(vmId: string): Promise<string[]> {
  const target = await wantedFirewallFor(vmId);
  if (!target) return ["the VM has no VMID, node or address"];
  return differences(await readActual(target.node, target.vmid, Object.keys(target.wanted.ipsets)), target.wanted);
}

/** Everything in a guest's firewall file (what cleanup must see gone). */
export async function firewallObjects(node: string, vmid: number): Promise<{ options: string[]; rules: number; ipsets: string[] }> {
  const [options, rules, sets] = await Promise.all([getFirewallOptions(node, vmid), listFirewallRules(node, vmid), listIpsets(node, vmid)]);
  return { options: Object.keys(options).filter((k) => k !== "digest"), rules: rules.length, ipsets: sets.map((s) => s.name) };
}

export { IPSETS };
