// IPv4 arithmetic for the tenant networks: the operator's pool is cut into equal subnets, one per
// network slot; slot n has the n-th subnet, the tag tagMin + n and the VNet `lv<n>`. The gateway is
// host 1 of a subnet; VMs get host numbers hostFirst..hostLast.

export function ipToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

export type Cidr = { network: number; prefix: number; size: number };

/** `a.b.c.d/n` with a.b.c.d the network address itself (no host bits set), or null. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return null;
  const network = ipToInt(m[1]!);
  const prefix = Number(m[2]);
  if (network === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  if (network % size !== 0) return null;
  return { network, prefix, size };
}

export const formatCidr = (c: Cidr) => `${intToIp(c.network)}/${c.prefix}`;
export const contains = (c: Cidr, ip: number) => ip >= c.network && ip < c.network + c.size;
export const overlaps = (a: Cidr, b: Cidr) => a.network < b.network + b.size && b.network < a.network + a.size;

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((c) => parseCidr(c)!);
export const isPrivateRange = (c: Cidr) => PRIVATE.some((p) => p.prefix <= c.prefix && contains(p, c.network));

export type Layout = {
  addressPool: string;
  subnetPrefix: number;
  tagMin: number | null;
  tagMax: number | null;
  hostFirst: number;
  hostLast: number;
};

/** How many customer networks the settings allow: subnets in the pool, and tags if there are any. */
export function slotCount(layout: Layout): number {
  const pool = parseCidr(layout.addressPool);
  if (!pool || layout.subnetPrefix < pool.prefix) return 0;
  const subnets = 2 ** (layout.subnetPrefix - pool.prefix);
  const tags = layout.tagMin !== null && layout.tagMax !== null ? layout.tagMax - layout.tagMin + 1 : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(subnets, tags));
}

export type Slot = { slot: number; vnet: string; tag: number | null; subnet: string; gateway: string };

/** Slot n's VNet, tag, subnet and gateway. VNet ids are 2–8 characters (pve-sdn-vnet-id). */
export function slotLayout(layout: Layout, slot: number): Slot {
  const pool = parseCidr(layout.addressPool);
  if (!pool || slot < 0 || slot >= slotCount(layout)) throw new Error(`no network slot ${slot} in ${layout.addressPool}`);
  const network = pool.network + slot * 2 ** (32 - layout.subnetPrefix);
  return {
    slot,
    vnet: `lv${slot}`,
    tag: layout.tagMin === null ? null : layout.tagMin + slot,
    subnet: formatCidr({ network, prefix: layout.subnetPrefix, size: 0 }),
    gateway: intToIp(network + 1),
  };
}

/** The VM addresses of a subnet, in order: host numbers hostFirst..hostLast. */
export function hostAddresses(subnet: string, hostFirst: number, hostLast: number): string[] {
  const c = parseCidr(subnet);
  if (!c) throw new Error(`not a subnet: ${subnet}`);
  const last = Math.min(hostLast, c.size - 2);
  const out: string[] = [];
  for (let h = hostFirst; h <= last; h++) out.push(intToIp(c.network + h));
  return out;
}
