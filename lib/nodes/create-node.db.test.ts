import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { createNode, createNodeSchema } from "@/lib/nodes/create-node";

const FP = "SHA256:2Jm2x6Vb8q0l1Rj3V7k0YxG6v1qz9QbZr1m0yYbQm8E";
const form = (name: string) => ({
  name,
  cpuCapacity: "16",
  ramCapacityGb: "64",
  diskCapacityGb: "500",
  eveTemplateVmid: "",
  containerlabTemplateVmid: "9301",
  sshHost: "10.0.0.12",
  sshPort: "22",
  sshHostFingerprint: FP,
  snippetStorage: "local",
  snippetDir: "/var/lib/vz/snippets",
});

describe("add a node", () => {
  it("creates the node, enabled, with its template and SSH settings, audited; a second one by the same name is a field error", async () => {
    const admin = await db.user.create({ data: { email: `nodeadd.${Date.now()}@example.test`, name: "Op", passwordHash: "x", role: "admin" } });
    const name = `pvea${Date.now().toString(36)}`;
    const node = await createNode(createNodeSchema.parse(form(name)), admin.id);
    const stored = await db.proxmoxNode.findUniqueOrThrow({ where: { id: node.id }, include: { templates: true } });
    expect(stored).toMatchObject({ name, enabled: true, cpuCapacity: 16, sshHost: "10.0.0.12", sshHostFingerprint: FP });
    expect(stored.templates.map((t) => [t.labType, t.templateVmid])).toEqual([["containerlab", 9301]]);
    expect(await db.auditEvent.count({ where: { subjectId: node.id, action: "node.created", actorId: admin.id } })).toBe(1);
    await expect(createNode(createNodeSchema.parse(form(name)), admin.id)).rejects.toThrow(FieldError);
    expect(await db.proxmoxNode.count({ where: { name } })).toBe(1);
    await db.proxmoxNode.update({ where: { id: node.id }, data: { enabled: false } }); // out of later files' capacity picture
  });

  it("I10: answers field errors for a dotted name, no template and a bad port", () => {
    const parsed = createNodeSchema.safeParse({ ...form("pve.example.com"), containerlabTemplateVmid: "", sshPort: "0" });
    expect(parsed.success).toBe(false);
    expect([...new Set(parsed.error!.issues.map((i) => String(i.path[0])))].sort()).toEqual(["containerlabTemplateVmid", "name", "sshPort"]);
  });
});
