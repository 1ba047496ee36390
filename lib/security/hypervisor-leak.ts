// I4 scanner: finds traces of the hypervisor in text a customer receives (a rendered page, a JSON
// answer, an email). Used by tests that fetch every customer surface; it knows the shapes Proxmox
// leaks in (tickets, task ids, API paths, error phrases) and takes the deployment's own names.

export type HypervisorLeakKind = "node-name" | "proxmox-host" | "ticket" | "private-ip" | "proxmox-error" | "internal-pattern";
export type HypervisorLeak = { kind: HypervisorLeakKind; match: string; index: number };

export type LeakScanOptions = {
  /** Proxmox node names (e.g. "pve1"), matched as whole words, case-insensitive. */
  nodeNames?: readonly string[];
  /**
   * The Proxmox API address: a URL, `host:port` or a bare host. A URL or `host:port` is matched
   * with its port, so a loopback stand-in does not flag the app's own loopback links.
   */
  proxmoxHost?: string | readonly string[];
  /** Anything else internal to this deployment (storage names, snippet paths, …). */
  internalPatterns?: ReadonlyArray<string | RegExp>;
};

// Tickets and task ids: UPID:<node>:<pid hex>:…, noVNC tickets, API token headers, auth tickets.
const TICKETS = [/\bUPID:[\w.-]+:[0-9A-Fa-f]{8}:[^\s"'<>]*/g, /\bPVEVNC:[^\s"'<>]*/g, /\bPVEAPIToken\b[^\s"'<>]*/g, /\bPVE:[\w.-]+@[\w.-]+:[^\s"'<>]*/g, /\bPVEAuthCookie\b/g];

// Phrases Proxmox (qemu-server, pve-manager) puts in its error messages, and its API paths.
const PROXMOX_ERRORS = [
  /can't lock file/gi,
  /VM is locked/gi,
  /unable to create VM/gi,
  /\/api2\/json/gi,
  /qemu-server/gi,
  /detected modified configuration/gi,
  /\bPVE::\w+/g,
  /\/nodes\/[\w.-]+\/(?:qemu|lxc|tasks|storage)\b/gi,
];

// 10/8, 172.16/12, 192.168/16, link-local 169.254/16 and carrier-grade NAT 100.64/10.
const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/g;
function isInternalIpv4(octets: number[]): boolean {
  if (octets.some((o) => o > 255)) return false;
  const [a, b] = octets;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A name as a whole word: "pve1" must not match "pve10" or "mypve1". */
function wordPattern(name: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9-])${escapeRegExp(name)}(?![A-Za-z0-9])`, "gi");
}

/** What to look for from a configured Proxmox address: the URL's host:port, or the string as given. */
function hostNeedles(value: string): string[] {
  const trimmed = value.trim();
  if (!trimmed) return [];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const url = new URL(trimmed);
    return [url.host]; // includes the port when the URL has one
  }
  return [trimmed];
}

function collect(text: string, pattern: RegExp, kind: HypervisorLeakKind, into: HypervisorLeak[]) {
  const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
  global.lastIndex = 0;
  for (const m of text.matchAll(global)) into.push({ kind, match: m[0], index: m.index ?? 0 });
}

/** Every hypervisor trace in `text`, in order of appearance. Empty means clean. */
export function findHypervisorLeaks(text: string, options: LeakScanOptions = {}): HypervisorLeak[] {
  const leaks: HypervisorLeak[] = [];
  for (const name of options.nodeNames ?? []) if (name.trim()) collect(text, wordPattern(name.trim()), "node-name", leaks);
  const hosts = typeof options.proxmoxHost === "string" ? [options.proxmoxHost] : (options.proxmoxHost ?? []);
  for (const needle of hosts.flatMap(hostNeedles)) {
    // A longer host or port ("pve.example.com.evil", ":80060") is another address.
    collect(text, new RegExp(`(?<![A-Za-z0-9.-])${escapeRegExp(needle)}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, "gi"), "proxmox-host", leaks);
  }
  for (const pattern of TICKETS) collect(text, pattern, "ticket", leaks);
  for (const m of text.matchAll(IPV4)) {
    if (isInternalIpv4(m.slice(1, 5).map(Number))) leaks.push({ kind: "private-ip", match: m[0], index: m.index ?? 0 });
  }
  for (const pattern of PROXMOX_ERRORS) collect(text, pattern, "proxmox-error", leaks);
  for (const pattern of options.internalPatterns ?? []) {
    collect(text, typeof pattern === "string" ? new RegExp(escapeRegExp(pattern), "gi") : pattern, "internal-pattern", leaks);
  }
  return leaks.sort((a, b) => a.index - b.index);
}

/** One line per leak with a little context, for assertion messages. */
export function describeHypervisorLeaks(text: string, leaks: readonly HypervisorLeak[]): string {
  return leaks
    .map((l) => `${l.kind}: "${l.match}" in …${text.slice(Math.max(0, l.index - 40), l.index + l.match.length + 40).replace(/\s+/g, " ")}…`)
    .join("\n");
}
