// How a customer reaches their VM: SSH through the VM's Cloudflare Tunnel and, for EVE-NG, the web
// UI on its own hostname. The names are built in lib/provisioning/naming.ts, the one place for them.
import { env } from "@/lib/env";
import type { LabType } from "@/lib/generated/prisma/client";
import { sshHostname, webHostname } from "@/lib/provisioning/naming";

export const sshHostnameFor = sshHostname;
export const eveUrlFor = (vmid: number, baseDomain = env().BASE_DOMAIN) => `https://${webHostname(vmid, baseDomain)}`;

/** A `Host` alias safe to paste into ~/.ssh/config: no spaces, wildcards or option syntax. */
export function sshHostAlias(name: string, vmid: number): string {
  const alias = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
  return alias || `lab-${vmid}`;
}

/** The ~/.ssh/config block: cloudflared carries SSH through the tunnel (Cloudflare Access). */
export function sshConfigBlock(input: { name: string; vmid: number; hostname?: string | null; user?: string }): string {
  const hostname = input.hostname ?? sshHostnameFor(input.vmid);
  const user = input.user ?? env().VM_DEFAULT_USER;
  return [
    `Host ${sshHostAlias(input.name, input.vmid)}`,
    `  HostName ${hostname}`,
    `  User ${user}`,
    "  ProxyCommand cloudflared access ssh --hostname %h",
    "",
  ].join("\n");
}

/** The EVE-NG web address for EVE plans; null for Containerlab. */
export function eveWebUrl(labType: LabType, vmid: number, webHostname?: string | null): string | null {
  if (labType !== "eve") return null;
  return webHostname ? `https://${webHostname}` : eveUrlFor(vmid);
}
