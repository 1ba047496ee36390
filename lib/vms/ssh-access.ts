// How a customer reaches their VM: SSH through the VM's Cloudflare Tunnel and, for EVE-NG, the web
// UI on its own hostname, both behind the VM's Cloudflare Access application when it has one. The
// hostnames are built in lib/provisioning/naming.ts; the words that describe them live here, once,
// for the VM page and the ready email, and say only what the configuration makes true.
import { env } from "@/lib/env";
import type { LabType } from "@/lib/generated/prisma/client";

/** A `Host` alias safe to paste into ~/.ssh/config: no spaces, wildcards or option syntax. */
export function sshHostAlias(name: string, vmid: number): string {
  const alias = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
  return alias || `lab-${vmid}`;
}

/**
 * The ~/.ssh/config block: `cloudflared access ssh` carries SSH through the tunnel and, when the
 * edge answers with an Access login redirect, opens the browser to sign in first (cloudflared
 * carrier/websocket.go), then keeps the application token for later connections.
 */
export function sshConfigBlock(input: { name: string; vmid: number; hostname: string; user?: string }): string {
  const user = input.user ?? env().VM_DEFAULT_USER;
  return [
    `Host ${sshHostAlias(input.name, input.vmid)}`,
    `  HostName ${input.hostname}`,
    `  User ${user}`,
    "  ProxyCommand cloudflared access ssh --hostname %h",
    "",
  ].join("\n");
}

/** The EVE-NG web address for EVE plans with a web hostname; null otherwise. */
export function eveWebUrl(labType: LabType, webHostname: string | null): string | null {
  return labType === "eve" && webHostname ? `https://${webHostname}` : null;
}

/** How the owner signs in to Access: the account's one-time PIN, or the operator's identity provider. */
export type AccessSignIn = "one-time-pin" | "identity-provider";
export const accessSignIn = (): AccessSignIn => (env().CLOUDFLARE_ACCESS_IDP_ID ? "identity-provider" : "one-time-pin");

/**
 * The sentences about how SSH and the web UI are reached. "Cloudflare Access" appears only when
 * the VM has an Access application; otherwise they say plainly that nothing asks for a login.
 */
export function connectionWords(input: { alias: string; protectedByAccess: boolean; signIn: AccessSignIn; ownerEmail: string; eve: boolean }): string[] {
  if (!input.protectedByAccess) {
    return [
      `SSH goes through this VM's Cloudflare Tunnel: install cloudflared, add the block below to ~/.ssh/config, then run: ssh ${input.alias}`,
      "This VM was set up before sign-in protection was added: its hostnames do not ask for a login yet.",
    ];
  }
  const how = input.signIn === "one-time-pin" ? `a one-time code sent to ${input.ownerEmail}` : `your organisation's login as ${input.ownerEmail}`;
  return [
    `Your VM's hostnames are behind Cloudflare Access: only ${input.ownerEmail} can sign in.`,
    `Install cloudflared, add the block below to ~/.ssh/config, then run: ssh ${input.alias}`,
    `The first time, cloudflared opens your browser to sign in with Cloudflare Access (${how}); then ssh ${input.alias} connects directly until the 24-hour session ends.`,
    ...(input.eve
      ? ["The EVE-NG web UI asks for the same Cloudflare Access sign-in, then EVE-NG's own login: user admin with the EVE-NG password shown on your VM page."]
      : []),
  ];
}
