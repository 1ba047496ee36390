// IPv4 arithmetic for the network model (subnets, ipsets, firewall address lists).

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** `a.b.c.d/len` or a bare address (/32): the first and last address it covers. */
export function cidrRange(spec: string): { first: number; last: number; len: number } | undefined {
  const [ip, lenText] = spec.split("/");
  const base = ipToInt(ip ?? "");
  const len = lenText === undefined ? 32 : Number(lenText);
  if (base === undefined || !Number.isInteger(len) || len < 0 || len > 32) return undefined;
  const size = 2 ** (32 - len);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1, len };
}

export function inCidr(ip: string, spec: string): boolean {
  const n = ipToInt(ip);
  const r = cidrRange(spec);
  return n !== undefined && !!r && n >= r.first && n <= r.last;
}

/** An address range `a.b.c.d-e.f.g.h`, as firewall address lists allow. */
export function inRange(ip: string, spec: string): boolean {
  const [from, to] = spec.split("-");
  const n = ipToInt(ip);
  const a = ipToInt(from ?? "");
  const b = ipToInt(to ?? "");
  return n !== undefined && a !== undefined && b !== undefined && n >= a && n <= b;
}
