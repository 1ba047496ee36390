// The operator's per-node access settings: the node's own SSH daemon (host, port, pinned host key)
// and where its cloud-init snippets go. Validated field by field (I10), written in one update and
// audited with the values before and after (a changed host key is a security event).
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";

const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;
const IPV6 = /^[0-9a-fA-F:]+$/;

/** The SSH and snippet fields, shared by "add a node" and "edit a node". */
export const accessFields = {
  sshHost: z
    .string()
    .trim()
    .min(1, "Enter the node's SSH host name or IP address.")
    .refine((v) => HOSTNAME.test(v) || IPV4.test(v) || (v.includes(":") && IPV6.test(v)), "Enter a host name or an IP address, without user or port."),
  sshPort: z.coerce
    .number({ message: "Enter a port number." })
    .int("Enter a whole number.")
    .min(1, "Ports run from 1 to 65535.")
    .max(65535, "Ports run from 1 to 65535."),
  // As `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it on the node.
  sshHostFingerprint: z
    .string()
    .trim()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, "Paste the SHA256 fingerprint of the node's host key, e.g. SHA256:… from ssh-keygen -lf."),
  snippetStorage: z
    .string()
    .trim()
    .regex(/^[a-zA-Z][\w-]{0,63}$/, "A Proxmox storage id: letters, digits, - and _."),
  snippetDir: z
    .string()
    .trim()
    .regex(/^\/[A-Za-z0-9_./-]*$/, "An absolute path on the node, e.g. /var/lib/vz/snippets.")
    .refine((v) => !v.split("/").includes(".."), "The path may not contain '..'.")
    .transform((v) => (v.length > 1 ? v.replace(/\/+$/, "") : v)),
};

export const nodeAccessSchema = z.object({ nodeId: z.string().trim().min(1, "Missing node.").max(64, "Unknown node."), ...accessFields });

export type NodeAccessInput = z.output<typeof nodeAccessSchema>;

export async function updateNodeAccess(input: NodeAccessInput, adminId: string) {
  const before = await db.proxmoxNode.findUnique({ where: { id: input.nodeId } });
  if (!before) throw new FieldError("nodeId", "This node no longer exists.");
  const { nodeId, ...data } = input;
  const after = await db.proxmoxNode.update({ where: { id: nodeId }, data });
  const pick = (n: typeof before) => ({
    sshHost: n.sshHost,
    sshPort: n.sshPort,
    sshHostFingerprint: n.sshHostFingerprint,
    snippetStorage: n.snippetStorage,
    snippetDir: n.snippetDir,
  });
  await recordAudit(
    { type: "admin", id: adminId },
    "node.access_updated",
    { type: "proxmox_node", id: nodeId },
    { node: after.name, before: pick(before), after: pick(after) },
  );
  return after;
}

export function listNodesForAdmin() {
  return db.proxmoxNode.findMany({ orderBy: { name: "asc" } });
}
