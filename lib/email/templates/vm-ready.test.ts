import { describe, expect, it } from "vitest";
import { renderVmReadyEmail } from "./vm-ready";

const input = {
  customerName: "Ada <Lovelace>",
  vmName: "clab-ada",
  vmid: 1042,
  customerEmail: "ada@example.test",
  sshHostname: "ssh-clab-ada-k3x9q2ab.lab.example.com",
  webHostname: null,
  sshUser: "lab",
  vmUrl: "https://lab.example.com/vms/cm123",
  protectedByAccess: true,
  signIn: "one-time-pin" as const,
};

describe("renderVmReadyEmail", () => {
  it("gives the SSH hostname, a cloudflared ~/.ssh/config block and the VM page link", () => {
    const { subject, text, html } = renderVmReadyEmail(input);
    expect(subject).toBe("Your lab VM clab-ada is ready");
    expect(text).toContain("Host clab-ada\n  HostName ssh-clab-ada-k3x9q2ab.lab.example.com\n  User lab\n  ProxyCommand cloudflared access ssh --hostname %h");
    expect(text).toContain("ssh clab-ada");
    expect(text).toContain("https://lab.example.com/vms/cm123");
    expect(html).toContain("ProxyCommand cloudflared access ssh --hostname %h");
    expect(html).toContain('href="https://lab.example.com/vms/cm123"');
    expect(text).not.toContain("EVE-NG");
  });

  it("I5: says what happens on first use: Cloudflare Access in the browser, then ssh directly", () => {
    const { text } = renderVmReadyEmail(input);
    expect(text).toContain("behind Cloudflare Access: only ada@example.test can sign in");
    expect(text).toContain("opens your browser to sign in with Cloudflare Access (a one-time code sent to ada@example.test)");
    expect(renderVmReadyEmail({ ...input, protectedByAccess: false }).text).not.toContain("behind Cloudflare Access");
  });

  it("adds the EVE-NG web address for EVE plans and says which login it wants, not the password", () => {
    const { text, html } = renderVmReadyEmail({ ...input, webHostname: "eve-clab-ada-k3x9q2ab.lab.example.com" });
    expect(text).toContain("EVE-NG web UI: https://eve-clab-ada-k3x9q2ab.lab.example.com");
    expect(text).toContain("user admin with the EVE-NG password shown on your VM page");
    expect(html).toContain('href="https://eve-clab-ada-k3x9q2ab.lab.example.com"');
  });

  it("escapes what the customer typed in the HTML part", () => {
    const { html } = renderVmReadyEmail(input);
    expect(html).toContain("Ada &lt;Lovelace&gt;");
    expect(html).not.toContain("<Lovelace>");
  });

  it("I4/I9: mentions no hypervisor, node, internal address or password", () => {
    const { text, html } = renderVmReadyEmail(input);
    for (const body of [text, html]) expect(body).not.toMatch(/proxmox|pve|node|8006|192\.168\.|10\.\d+\.|password:/i);
  });
});
