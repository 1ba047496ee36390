import type { Metadata } from "next";
import { requireAdmin } from "@/lib/auth/session";
import { listNodesForAdmin } from "@/lib/nodes/update-node-access";
import { AddNodeForm } from "@/components/admin/add-node-form";
import { NodeAccessForm } from "@/components/admin/node-access-form";
import { NodeLabForm } from "@/components/admin/node-lab-form";
import { NetworkSettingsForm } from "@/components/admin/network-settings-form";
import { networkSettingsView } from "@/lib/network/settings-view";
import { createNodeAction, saveNetworkSettingsAction, updateNodeAccessAction, updateNodeLabAction } from "./actions";

export const metadata: Metadata = { title: "Nodes · Admin" };

export default async function AdminNodesPage() {
  await requireAdmin("/admin/nodes");
  const [nodes, network] = await Promise.all([listNodesForAdmin(), networkSettingsView()]);
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">Proxmox nodes</h1>
      <p className="text-sm text-ink-muted">
        Cloud-init snippets are written over SSH on the node each VM lives on (or on a shared storage with snippets content). Each node has its own SSH daemon
        and host key; the key is pinned by its fingerprint.
      </p>
      {nodes.map((n) => (
        <section key={n.id} className="space-y-2 rounded-lg border border-line p-4">
          <h2 className="text-lg font-semibold">
            {n.name} {n.enabled ? null : <span className="text-sm font-normal text-ink-subtle">(disabled)</span>}
          </h2>
          <NodeAccessForm
            action={updateNodeAccessAction}
            node={{
              id: n.id,
              name: n.name,
              sshHost: n.sshHost ?? "",
              sshPort: String(n.sshPort),
              sshHostFingerprint: n.sshHostFingerprint ?? "",
              snippetStorage: n.snippetStorage,
              snippetDir: n.snippetDir,
            }}
          />
          <NodeLabForm
            action={updateNodeLabAction}
            node={{ id: n.id, cpuType: n.cpuType, backupStorage: n.backupStorage, nestedVirtMissingAt: n.nestedVirtMissingAt?.toISOString() ?? null }}
          />
        </section>
      ))}
      <section className="rounded-lg border border-line p-4">
        <AddNodeForm action={createNodeAction} />
      </section>
      <section className="space-y-2 rounded-lg border border-line p-4" aria-labelledby="network-heading">
        <h2 id="network-heading" className="text-lg font-semibold">
          Tenant networks
        </h2>
        <p className="text-sm text-ink-muted" data-testid="network-summary">
          {network.summary}
        </p>
        <NetworkSettingsForm values={network.values} action={saveNetworkSettingsAction} />
      </section>
    </div>
  );
}
