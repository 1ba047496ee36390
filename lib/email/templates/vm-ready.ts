// "Your VM is ready": what the customer needs to connect, and nothing about the hypervisor (I4):
// no node name, Proxmox host, internal address or password (the password is shown on the VM page
// to its owner only, I9).
import { escapeHtml, htmlDocument, type RenderedEmail } from "@/lib/email/templates/layout";
import { sshConfigBlock, sshHostAlias } from "@/lib/vms/ssh-access";

export type VmReadyEmailInput = {
  customerName: string;
  vmName: string;
  vmid: number;
  sshHostname: string;
  /** EVE-NG web UI hostname, for EVE plans. */
  webHostname: string | null;
  sshUser: string;
  vmUrl: string;
};

const CLOUDFLARED_DOWNLOADS = "https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/";

export function renderVmReadyEmail(input: VmReadyEmailInput): RenderedEmail {
  const subject = `Your lab VM ${input.vmName} is ready`;
  // The same block the VM page shows, so the email and the page never disagree.
  const config = sshConfigBlock({ name: input.vmName, vmid: input.vmid, hostname: input.sshHostname, user: input.sshUser }).trimEnd();
  const web = input.webHostname ? `https://${input.webHostname}` : null;
  const text = [
    `Hi ${input.customerName},`,
    "",
    `Your lab VM ${input.vmName} (VM ${input.vmid}) is up and running.`,
    "",
    "SSH goes through Cloudflare Tunnel. Install cloudflared on your computer:",
    CLOUDFLARED_DOWNLOADS,
    "then add this to ~/.ssh/config:",
    "",
    config,
    "",
    `and connect with: ssh ${sshHostAlias(input.vmName, input.vmid)}`,
    ...(web ? ["", `EVE-NG web UI: ${web}`] : []),
    "",
    `Console, password and power controls: ${input.vmUrl}`,
    "",
    "Happy labbing!",
  ].join("\n");
  const html = htmlDocument(
    subject,
    [
      `<p>Hi ${escapeHtml(input.customerName)},</p>`,
      `<p>Your lab VM <strong>${escapeHtml(input.vmName)}</strong> (VM ${input.vmid}) is up and running.</p>`,
      `<p>SSH goes through Cloudflare Tunnel. <a href="${CLOUDFLARED_DOWNLOADS}">Install cloudflared</a> on your computer, then add this to <code>~/.ssh/config</code>:</p>`,
      `<pre style="background:#f4f4f5;padding:0.75rem;border-radius:0.375rem">${escapeHtml(config)}</pre>`,
      `<p>and connect with <code>ssh ${escapeHtml(sshHostAlias(input.vmName, input.vmid))}</code>.</p>`,
      ...(web ? [`<p>EVE-NG web UI: <a href="${escapeHtml(web)}">${escapeHtml(web)}</a></p>`] : []),
      `<p><a href="${escapeHtml(input.vmUrl)}">Open your VM</a> for the console, its password and power controls.</p>`,
    ].join("\n"),
  );
  return { subject, text, html };
}
