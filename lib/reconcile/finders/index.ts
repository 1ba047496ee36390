// Every kind of drift the reconciliation looks for, one module each (./world.ts `Finder`). To add
// one (a Cloudflare Access application, an SDN VNet, a snippet), write its file and list it here.
import type { Finder } from "@/lib/reconcile/world";
import { proxmoxOrphan } from "./proxmox-orphan";
import { vmGone } from "./vm-gone";
import { vmMoved } from "./vm-moved";
import { suspendedRunning } from "./suspended-running";
import { orphanDnsRecord, orphanTunnel } from "./cloudflare-orphans";
import { subscriptionWithoutVm, vmWithoutSubscription } from "./billing-mismatch";
import { vmidLeak } from "./vmid-leak";

export const finders: readonly Finder[] = [
  proxmoxOrphan,
  vmGone,
  vmMoved,
  suspendedRunning,
  orphanTunnel,
  orphanDnsRecord,
  subscriptionWithoutVm,
  vmWithoutSubscription,
  vmidLeak,
];

export function finderFor(kind: string): Finder | undefined {
  return finders.find((f) => f.kind === kind);
}
