// How the product reaches one Proxmox node beyond the cluster API: its own SSH daemon (host, port,
// pinned host key) and the storage its cloud-init snippets go to. On a cluster `local:` storage
// is per node and `qm` only acts on VMs whose config is on the node it runs on, so every VM's
// snippet is written through its own node (or onto a shared storage with `snippets` content).
import path from "node:path/posix";
import { db } from "@/lib/db";
import type { SshTarget } from "@/lib/proxmox/ssh";

export class NodeNotConfiguredError extends Error {
  constructor(
    readonly node: string,
    what: string,
  ) {
    super(`Proxmox node ${node}: ${what}`);
    this.name = "NodeNotConfiguredError";
  }
}

export type NodeAccess = { node: string; ssh: SshTarget; snippetStorage: string; snippetDir: string };

export async function loadNodeAccess(nodeName: string): Promise<NodeAccess> {
  const node = await db.proxmoxNode.findUnique({ where: { name: nodeName } });
  if (!node) throw new NodeNotConfiguredError(nodeName, "not in the database");
  if (!node.sshHost || !node.sshHostFingerprint) throw new NodeNotConfiguredError(nodeName, "no SSH host or pinned host key set (admin → nodes)");
  return {
    node: node.name,
    ssh: { host: node.sshHost, port: node.sshPort, hostFingerprint: node.sshHostFingerprint },
    snippetStorage: node.snippetStorage,
    snippetDir: node.snippetDir,
  };
}

/** Where the file goes on the node, and the volume id Proxmox reads it as (`<storage>:snippets/<file>`). */
export function snippetLocation(access: Pick<NodeAccess, "snippetStorage" | "snippetDir">, file: string) {
  return { path: path.join(access.snippetDir, file), volid: `${access.snippetStorage}:snippets/${file}` };
}
