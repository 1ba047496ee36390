// "Your VM is ready": what the customer needs to connect, and nothing about the hypervisor (I4):
// no node name, Proxmox host, internal address or password (the passwords are shown on the VM page
// to its owner only, I9). How access is protected is said in the VM page's own words
// (lib/vms/ssh-access.ts connectionWords), so the email and the page never disagree.
import { escapeHtml, htmlDocument, type RenderedEmail } from "@/lib/email/templates/layout";
import { connectionWords, sshConfigBlock, sshHostAlias, type AccessSignIn } from "@/lib/vms/ssh-access";

export type VmReadyEmailInput = {
  customerName: string;
  customerEmail: string;
  vmName: string;
  vmid: number;
  sshHostname: string;
  /** EVE-NG web UI hostname, for EVE plans. */
  webHostname: string | null;
  sshUser: string;
  vmUrl: string;
  /** Whether the VM's hostnames sit behind its Cloudflare Access application. */
  protectedByAccess: boolean;
  signIn: AccessSignIn;
};

const CLOUDFLARED_DOWNLOADS = "https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/";

export function renderVmReadyEmail(input: VmReadyEmailInput): RenderedEmail {
  const subject = `Your lab VM ${input.vmName} is ready`;
  // The same block the VM page shows, so the email and the page never disagree.
  const config = sshConfigBlock({ name: input.vmName, vmid: input.vmid, hostname: input.sshHostname, user: input.sshUser }).trimEnd();
  const web = input.webHostname ? `https://${input.webHostname}` : null;
  const words = connectionWords({
    alias: sshHostAlias(input.vmName, input.vmid),
    protectedByAccess: input.protectedByAccess,
    signIn: input.signIn,
    ownerEmail: input.customerEmail,
    eve: web !== null,
  });
  const text = [
    `Hi ${input.customerName},`,
    "",
    `Your lab VM ${input.vmName} (VM ${input.vmid}) is up and running.`,
    "",
    ...words,
    `cloudflared: ${CLOUDFLARED_DOWNLOADS}`,
    "",
    config,
    ...(web ? ["", `EVE-NG web UI: ${web}`] : []),
    "",
    `Console, passwords and power controls: ${input.vmUrl}`,
    "",
    "Happy labbing!",
  ].join("\n");
  const html = htmlDocument(
    subject,
    [
      `<p>Hi ${escapeHtml(input.customerName)},</p>`,
      `<p>Your lab VM <strong>${escapeHtml(input.vmName)}</strong> (VM ${input.vmid}) is up and running.</p>`,
      ...words.map((w) => `<p>${escapeHtml(w)}</p>`),
      `<p><a href="${CLOUDFLARED_DOWNLOADS}">Install cloudflared</a>, then add this to <code>~/.ssh/config</code>:</p>`,
      `<pre style="background:#f4f4f5;padding:0.75rem;border-radius:0.375rem">${escapeHtml(config)}</pre>`,
      ...(web ? [`<p>EVE-NG web UI: <a href="${escapeHtml(web)}">${escapeHtml(web)}</a></p>`] : []),
      `<p><a href="${escapeHtml(input.vmUrl)}">Open your VM</a> for the console, its passwords and power controls.</p>`,
    ].join("\n"),
  );
  return { subject, text, html };
}
