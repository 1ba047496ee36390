import { describe, expect, it } from "vitest";
import { renderVmReadyEmail } from "./vm-ready";

const input = {
  customerName: "Ada <Lovelace>",
  vmName: "clab-ada",
  vmid: 1042,
  sshHostname: "ssh-1042.lab.example.com",
  webHostname: null,
  sshUser: "lab",
  vmUrl: "https://lab.example.com/vms/cm123",
};

describe("renderVmReadyEmail", () => {
  it("gives the SSH hostname, a cloudflared ~/.ssh/config block and the VM page link", () => {
    const { subject, text, html } = renderVmReadyEmail(input);
    expect(subject).toBe("Your lab VM clab-ada is ready");
    expect(text).toContain("Host clab-ada\n  HostName ssh-1042.lab.example.com\n  User lab\n  ProxyCommand cloudflared access ssh --hostname %h");
    expect(text).toContain("ssh clab-ada");
    expect(text).toContain("https://lab.example.com/vms/cm123");
    expect(html).toContain("ProxyCommand cloudflared access ssh --hostname %h");
    expect(html).toContain('href="https://lab.example.com/vms/cm123"');
    expect(text).not.toContain("EVE-NG");
  });

  it("adds the EVE-NG web address for EVE plans", () => {
    const { text, html } = renderVmReadyEmail({ ...input, webHostname: "eve-1042.lab.example.com" });
    expect(text).toContain("EVE-NG web UI: https://eve-1042.lab.example.com");
    expect(html).toContain('href="https://eve-1042.lab.example.com"');
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
