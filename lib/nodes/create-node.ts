// "Add a node": a Proxmox node the product may place VMs on, with its capacity, its templates and
// how to reach it over SSH. One transaction, audited; a duplicate name is a field error (I10).
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { accessFields } from "@/lib/nodes/update-node-access";

const count = (what: string, max: number) =>
  z.coerce
    .number({ message: `Enter the node's ${what}.` })
    .int("Enter a whole number.")
    .min(1, `Enter the node's ${what}.`)
    .max(max, `At most ${max}.`);
const templateVmid = z
  .union([z.literal(""), z.coerce.number().int("Enter a VMID.").min(100, "VMIDs start at 100.").max(999_999_999, "VMIDs end at 999999999.")])
  .transform((v) => (v === "" ? null : v));

export const createNodeSchema = z
  .object({
    // The Proxmox node name (`pvecm nodes`): letters, digits and dashes, no dots.
    name: z
      .string()
      .trim()
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, "The Proxmox node name: letters, digits and dashes."),
    cpuCapacity: count("vCPU capacity", 4096),
    ramCapacityGb: count("RAM in GB", 65_536),
    diskCapacityGb: count("disk in GB", 1_000_000),
    eveTemplateVmid: templateVmid,
    containerlabTemplateVmid: templateVmid,
    ...accessFields,
  })
  .refine((v) => v.eveTemplateVmid !== null || v.containerlabTemplateVmid !== null, {
    path: ["containerlabTemplateVmid"],
    message: "Give at least one template VMID.",
  })
  .refine((v) => v.eveTemplateVmid === null || v.eveTemplateVmid !== v.containerlabTemplateVmid, {
    path: ["containerlabTemplateVmid"],
    message: "Each lab type needs its own template.",
  });

export type CreateNodeInput = z.output<typeof createNodeSchema>;

export async function createNode(input: CreateNodeInput, adminId: string) {
  const { eveTemplateVmid, containerlabTemplateVmid, ...node } = input;
  const templates = [
    ...(eveTemplateVmid === null ? [] : [{ labType: "eve" as const, templateVmid: eveTemplateVmid }]),
    ...(containerlabTemplateVmid === null ? [] : [{ labType: "containerlab" as const, templateVmid: containerlabTemplateVmid }]),
  ];
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.proxmoxNode.create({ data: { ...node, templates: { create: templates } } });
      await recordAudit({ type: "admin", id: adminId }, "node.created", { type: "proxmox_node", id: created.id }, { ...node, templates }, tx);
      return created;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw new FieldError("name", "A node with this name exists already.");
    throw error;
  }
}
