// The operator's lab settings per node (issue 20): the CPU type its guests get (`host` passes
// vmx/svm through for nested labs), the storage its backups go to, and the "guests lack nested
// virtualization" finding, cleared once fixed. Validated field by field (I10) and audited.
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";

export const nodeLabSchema = z.object({
  nodeId: z.string().trim().min(1, "Missing node.").max(64, "Unknown node."),
  // qemu-server's cputype: a model name (host, x86-64-v2-AES, …), optionally with ",flags=+vmx;…".
  cpuType: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{1,64}(,flags=[+-][a-z0-9_-]+(;[+-][a-z0-9_-]+)*)?$/, "A Proxmox CPU type, e.g. host, or x86-64-v2-AES,flags=+vmx."),
  backupStorage: z
    .string()
    .trim()
    .regex(/^[a-zA-Z][\w-]{0,63}$/, "A Proxmox storage id with backup content: letters, digits, - and _."),
  clearNestedFlag: z
    .enum(["on"])
    .optional()
    .transform((v) => v === "on"),
});

export type NodeLabInput = z.output<typeof nodeLabSchema>;

export async function updateNodeLab(input: NodeLabInput, adminId: string) {
  const before = await db.proxmoxNode.findUnique({
    where: { id: input.nodeId },
    select: { name: true, cpuType: true, backupStorage: true, nestedVirtMissingAt: true },
  });
  if (!before) throw new FieldError("nodeId", "This node no longer exists.");
  const after = await db.proxmoxNode.update({
    where: { id: input.nodeId },
    data: { cpuType: input.cpuType, backupStorage: input.backupStorage, ...(input.clearNestedFlag ? { nestedVirtMissingAt: null } : {}) },
  });
  await recordAudit(
    { type: "admin", id: adminId },
    "node.lab_updated",
    { type: "proxmox_node", id: input.nodeId },
    {
      node: after.name,
      before: { cpuType: before.cpuType, backupStorage: before.backupStorage, nestedVirtMissing: before.nestedVirtMissingAt !== null },
      after: { cpuType: after.cpuType, backupStorage: after.backupStorage, nestedVirtMissing: after.nestedVirtMissingAt !== null },
    },
  );
  return after;
}
