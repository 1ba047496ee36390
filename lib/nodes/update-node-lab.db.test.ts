import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { nodeLabSchema, updateNodeLab } from "@/lib/nodes/update-node-lab";

async function flaggedNode() {
  const name = `pvel${Math.random().toString(36).slice(2, 8)}`;
  const admin = await db.user.create({ data: { email: `${name}@example.test`, name: "Op", passwordHash: "x", role: "admin" } });
  const node = await db.proxmoxNode.create({
    data: { name, cpuCapacity: 8, ramCapacityGb: 16, diskCapacityGb: 100, enabled: false, nestedVirtMissingAt: new Date() },
  });
  return { admin, node };
}

describe("node lab settings (issue 20)", () => {
  it("I10: a CPU type or backup storage that is not Proxmox's format is refused per field", () => {
    const parsed = nodeLabSchema.safeParse({ nodeId: "n1", cpuType: "host; rm -rf /", backupStorage: "1bad" });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => String(i.path[0])).sort()).toEqual(["backupStorage", "cpuType"]);
    expect(nodeLabSchema.safeParse({ nodeId: "n1", cpuType: "x86-64-v2-AES,flags=+vmx", backupStorage: "nfs-backups" }).success).toBe(true);
  });

  it("sets the CPU type and backup storage, clears the nested-virtualization finding only when asked, and audits both", async () => {
    const { admin, node } = await flaggedNode();
    await updateNodeLab(nodeLabSchema.parse({ nodeId: node.id, cpuType: "x86-64-v2-AES,flags=+vmx", backupStorage: "nfs-backups" }), admin.id);
    expect(await db.proxmoxNode.findUniqueOrThrow({ where: { id: node.id } })).toMatchObject({
      cpuType: "x86-64-v2-AES,flags=+vmx",
      backupStorage: "nfs-backups",
    });
    expect((await db.proxmoxNode.findUniqueOrThrow({ where: { id: node.id } })).nestedVirtMissingAt).not.toBeNull();
    await updateNodeLab(nodeLabSchema.parse({ nodeId: node.id, cpuType: "host", backupStorage: "local", clearNestedFlag: "on" }), admin.id);
    expect((await db.proxmoxNode.findUniqueOrThrow({ where: { id: node.id } })).nestedVirtMissingAt).toBeNull();
    const audits = await db.auditEvent.findMany({ where: { subjectId: node.id, action: "node.lab_updated" }, orderBy: { createdAt: "asc" } });
    expect(audits.map((a) => (a.data as { after: { nestedVirtMissing: boolean } }).after.nestedVirtMissing)).toEqual([true, false]);
  });
});
