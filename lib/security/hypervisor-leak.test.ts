import { describe, expect, it } from "vitest";
import { describeHypervisorLeaks, findHypervisorLeaks } from "./hypervisor-leak";

const kinds = (text: string, opts = {}) => findHypervisorLeaks(text, opts).map((l) => [l.kind, l.match]);

describe("findHypervisorLeaks (I4)", () => {
  it("I4: finds node names as whole words only", () => {
    const opts = { nodeNames: ["pve1"] };
    expect(kinds("Your VM runs on PVE1 today", opts)).toEqual([["node-name", "PVE1"]]);
    expect(kinds("<td>pve1</td>", opts)).toEqual([["node-name", "pve1"]]);
    expect(kinds("pve10 and mypve1 and pve1x are other names", opts)).toEqual([]);
  });

  it("I4: finds the Proxmox address given as a URL (with its port) or a bare host", () => {
    const url = { proxmoxHost: "https://127.0.0.1:18006" };
    expect(kinds("fetch failed: https://127.0.0.1:18006/api2/json/nodes", url)).toEqual([
      ["proxmox-host", "127.0.0.1:18006"],
      ["proxmox-error", "/api2/json"],
    ]);
    // The app's own loopback link is not the hypervisor.
    expect(kinds("Open http://127.0.0.1:3000/vms/abc", url)).toEqual([]);
    expect(kinds("127.0.0.1:180060", url)).toEqual([]);
    const bare = { proxmoxHost: ["pve.internal.example"] };
    expect(kinds("connect pve.internal.example:8006 refused", bare)).toEqual([["proxmox-host", "pve.internal.example"]]);
    expect(kinds("see pve.internal.example.org", bare)).toEqual([]);
  });

  it("I4: finds task ids and tickets", () => {
    const upid = "UPID:pve1:000A1B2C:0012D687:66B1F00D:qmstart:101:root@pam!labvps:";
    expect(kinds(`{"task":"${upid}"}`)).toEqual([["ticket", upid]]);
    expect(kinds("ticket PVEVNC:66B1F00D::abcDEF+/=")[0]).toEqual(["ticket", "PVEVNC:66B1F00D::abcDEF+/="]);
    expect(kinds("Authorization: PVEAPIToken=root@pam!labvps=secret")[0][0]).toBe("ticket");
    expect(kinds("cookie PVE:root@pam:66B1F00D::sig")[0][0]).toBe("ticket");
  });

  it("I4: finds private, link-local and CGNAT IPv4 addresses, not public ones or versions", () => {
    expect(kinds("ip 10.0.3.7, gw 172.16.0.1, lan 192.168.1.20, ll 169.254.1.1, cg 100.64.0.9").map((k) => k[1])).toEqual([
      "10.0.3.7",
      "172.16.0.1",
      "192.168.1.20",
      "169.254.1.1",
      "100.64.0.9",
    ]);
    expect(kinds("public 8.8.8.8, 172.32.0.1, 100.128.0.1, bogus 10.0.0.300, version 1.10.0.1.2")).toEqual([]);
  });

  it("I4: finds Proxmox error phrases and API paths", () => {
    const text = [
      "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout",
      "VM is locked (backup)",
      "unable to create VM 101: config file already exists",
      "GET /nodes/pve1/qemu/101/status/current",
      "PVE::Exception",
    ].join("\n");
    const found = kinds(text).map((k) => k[1]);
    expect(found).toEqual(expect.arrayContaining(["can't lock file", "qemu-server", "VM is locked", "unable to create VM", "/nodes/pve1/qemu", "PVE::Exception"]));
    expect(kinds(text).every(([kind]) => kind === "proxmox-error")).toBe(true);
  });

  it("I4: takes deployment-specific patterns, as strings or regular expressions", () => {
    const opts = { internalPatterns: ["local-lvm", /snippets\/user-\d+\.yaml/] };
    expect(kinds("disk on local-lvm, cicustom snippets/user-101.yaml", opts)).toEqual([
      ["internal-pattern", "local-lvm"],
      ["internal-pattern", "snippets/user-101.yaml"],
    ]);
  });

  it("finds nothing in a customer-safe page", () => {
    const page = `<h1>lab-one</h1><p>VMID 1042 · Running · 4 vCPU · 8 GB RAM · 64 GB disk</p>
      <pre>Host lab-one\n  HostName ssh-1042.lab.example.com\n  User lab\n  ProxyCommand cloudflared access ssh --hostname %h</pre>
      <a href="https://eve-1042.lab.example.com">EVE-NG</a><p>We couldn't start your VM. Please try again.</p>`;
    expect(findHypervisorLeaks(page, { nodeNames: ["pve1", "pve2"], proxmoxHost: "https://pve.example.com:8006" })).toEqual([]);
  });

  it("describes leaks with context and in order of appearance", () => {
    const text = "x".repeat(100) + " node pve1 at 10.1.2.3 " + "y".repeat(100);
    const leaks = findHypervisorLeaks(text, { nodeNames: ["pve1"] });
    expect(leaks.map((l) => l.kind)).toEqual(["node-name", "private-ip"]);
    const description = describeHypervisorLeaks(text, leaks);
    expect(description.split("\n")).toHaveLength(2);
    expect(description).toContain('node-name: "pve1" in …');
    expect(description.length).toBeLessThan(text.length * 2);
  });
});
