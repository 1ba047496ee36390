import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedCatalog } from "@/lib/catalog/seed-catalog";
import { runProxmoxChecks } from "@/lib/doctor/proxmox-checks";
import { formatResults } from "@/lib/doctor/run-doctor";
import { DOCTOR_ACL, requiredAcl } from "@/lib/proxmox/required-privileges";
import { runNetworkChecks } from "@/lib/doctor/network-checks";
import { proxmox } from "@/test/fixtures/provisioning";

// Other files leave enabled nodes the stand-in does not have; the doctor would rightly flag them.
let disabled: string[] = [];
beforeAll(async () => {
  await seedCatalog(db);
  const others = await db.proxmoxNode.findMany({ where: { enabled: true, name: { not: "pve1" } }, select: { id: true } });
  disabled = others.map((n) => n.id);
  await db.proxmoxNode.updateMany({ where: { id: { in: disabled } }, data: { enabled: false } });
  await db.proxmoxNode.update({ where: { name: "pve1" }, data: { enabled: true } });
});
afterAll(async () => {
  await proxmox.setAcl(null);
  await db.proxmoxNode.updateMany({ where: { id: { in: disabled } }, data: { enabled: true } });
});

// The templates' disk storage and the node's backup storage (issue 20: vzdump, restore).
const acl = [
  ...requiredAcl({ storages: ["local-lvm", "local"], bridges: ["vmbr0"], zone: "labvps" }),
  ...DOCTOR_ACL.map((e) => ({ ...e, privs: [...e.privs] })),
];

describe("npm run doctor: Proxmox", () => {
  it("passes against the stand-in with exactly the documented privileges: templates, SSH and host key, snippets, privileges, free VMIDs", async () => {
    await proxmox.setAcl(acl);
    const results = await runProxmoxChecks();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "API",
        "template 9000 on pve1",
        "template 9001 on pve1",
        "SSH to pve1",
        "snippets on pve1",
        "privileges on /vms",
        "privileges on /storage/local-lvm",
        "privileges on /storage/local",
        "privileges on /nodes",
        "privileges on /sdn/zones/localnetwork/vmbr0",
        "privileges on /sdn/zones/labvps",
        "privileges on /sdn",
        "privileges on /",
        "free VMIDs",
      ]),
    );
    const network = await runNetworkChecks();
    expect(network.filter((r) => !r.ok)).toEqual([]);
    expect(network.map((r) => r.name)).toEqual(["SDN", "SDN zone labvps", "SDN zone labvps on pve1", "datacenter firewall"]);
  });

  it("with SDN not installed it names it, and so it does a datacenter firewall that is off", async () => {
    await proxmox.setAcl(acl);
    await proxmox.setSdn({ enabled: false });
    await proxmox.setClusterFirewall({ enable: false });
    try {
      const failed = (await runNetworkChecks()).filter((r) => !r.ok);
      expect(failed).toEqual([
        expect.objectContaining({ name: "SDN", detail: expect.stringMatching(/^not available: \/cluster\/sdn is not implemented here/) }),
        expect.objectContaining({ name: "datacenter firewall", detail: expect.stringMatching(/^off: Proxmox applies no VM firewall rule/) }),
      ]);
      expect(formatResults(failed)).toMatch(/^FAIL {2}proxmox +SDN +not available/m);
    } finally {
      await proxmox.setSdn({ enabled: true });
      await proxmox.setClusterFirewall({ enable: true });
    }
  });

  it("with one privilege removed it fails and names it", async () => {
    await proxmox.setAcl(acl.map((e) => ({ ...e, privs: e.privs.filter((p) => p !== "VM.Config.Disk") })));
    const failed = (await runProxmoxChecks()).filter((r) => !r.ok);
    expect(failed.map((r) => r.detail)).toEqual(["token lacks VM.Config.Disk on /vms", "token lacks VM.Config.Disk on /vms/1000"]);
    expect(formatResults(failed)).toMatch(/^FAIL {2}proxmox +privileges on \/vms +token lacks VM\.Config\.Disk on \/vms$/m);
  });

  it("names a host key that is not the pinned one", async () => {
    await proxmox.setAcl(null);
    const pve1 = await db.proxmoxNode.findUniqueOrThrow({ where: { name: "pve1" } });
    await db.proxmoxNode.update({ where: { id: pve1.id }, data: { sshHostFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
    try {
      const ssh = (await runProxmoxChecks()).find((r) => r.name === "SSH to pve1");
      expect(ssh).toMatchObject({
        ok: false,
        detail: `host key ${pve1.sshHostFingerprint} is not the pinned SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
      });
    } finally {
      await db.proxmoxNode.update({ where: { id: pve1.id }, data: { sshHostFingerprint: pve1.sshHostFingerprint } });
    }
  });
});
