import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { nodeAccessSchema, updateNodeAccess } from "@/lib/nodes/update-node-access";

const FP = "SHA256:2Jm2x6Vb8q0l1Rj3V7k0YxG6v1qz9QbZr1m0yYbQm8E";

async function node() {
  const name = `pvet${Math.random().toString(36).slice(2, 8)}`;
  const admin = await db.user.create({ data: { email: `${name}@example.test`, name: "Op", passwordHash: "x", role: "admin" } });
  return { admin, node: await db.proxmoxNode.create({ data: { name, cpuCapacity: 8, ramCapacityGb: 16, diskCapacityGb: 100, enabled: false } }) };
}

describe("node SSH and snippet settings", () => {
  it("I10: every bad field gets its own error and nothing is written", async () => {
    const { node: n } = await node();
    const parsed = nodeAccessSchema.safeParse({
      nodeId: n.id,
      sshHost: "root@pve2:22",
      sshPort: "70000",
      sshHostFingerprint: "MD5:aa:bb",
      snippetStorage: "1bad",
      snippetDir: "/var/../etc",
    });
    expect(parsed.success).toBe(false);
    expect([...new Set(parsed.error!.issues.map((i) => String(i.path[0])))].sort()).toEqual([
      "snippetDir",
      "snippetStorage",
      "sshHost",
      "sshHostFingerprint",
      "sshPort",
    ]);
    expect(await db.proxmoxNode.findUniqueOrThrow({ where: { id: n.id } })).toMatchObject({ sshHost: null, sshHostFingerprint: null });
  });

  it("saves host, port, pinned key and snippet storage, and audits before and after", async () => {
    const { node: n, admin } = await node();
    const input = nodeAccessSchema.parse({
      nodeId: n.id,
      sshHost: "pve2.lab.internal",
      sshPort: "2222",
      sshHostFingerprint: ` ${FP} `,
      snippetStorage: "cephfs",
      snippetDir: "/mnt/pve/cephfs/snippets/",
    });
    await updateNodeAccess(input, admin.id);
    expect(await db.proxmoxNode.findUniqueOrThrow({ where: { id: n.id } })).toMatchObject({
      sshHost: "pve2.lab.internal",
      sshPort: 2222,
      sshHostFingerprint: FP,
      snippetStorage: "cephfs",
      snippetDir: "/mnt/pve/cephfs/snippets",
    });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectId: n.id, action: "node.access_updated" } });
    expect(audit).toMatchObject({ actorType: "admin", actorId: admin.id });
    expect(audit.data).toMatchObject({ node: n.name, before: { sshHost: null }, after: { sshHost: "pve2.lab.internal", sshHostFingerprint: FP } });
  });
});
