// What /admin/nodes shows of the tenant network settings: the form's values and one line on how
// full the pool is. Database only (I2).
import { db } from "@/lib/db";
import { slotCount } from "@/lib/network/addressing";
import { defaultNetworkSettings, loadNetworkSettings } from "@/lib/network/settings";

export async function networkSettingsView(): Promise<{ values: Record<string, string>; summary: string }> {
  const stored = await loadNetworkSettings();
  const s = stored ?? {
    ...defaultNetworkSettings,
    bridge: "vmbr0",
    bridgeSubnet: null,
    bridgeGateway: null,
    nameservers: "1.1.1.1 9.9.9.9",
    managementCidrs: "",
  };
  const values = Object.fromEntries(
    Object.entries({
      mode: s.mode,
      sdnZone: s.sdnZone,
      sdnZoneType: s.sdnZoneType,
      tagMin: s.tagMin,
      tagMax: s.tagMax,
      addressPool: s.addressPool,
      subnetPrefix: s.subnetPrefix,
      hostFirst: s.hostFirst,
      hostLast: s.hostLast,
      bridge: s.bridge,
      bridgeSubnet: s.bridgeSubnet,
      bridgeGateway: s.bridgeGateway,
      nameservers: s.nameservers,
      managementCidrs: s.managementCidrs,
    }).map(([k, v]) => [k, v === null || v === undefined ? "" : String(v)]),
  );
  if (!stored) return { values, summary: "Not configured yet: no VM is provisioned until these are saved." };
  if (s.mode === "bridge") return { values, summary: `Fallback: every VM on ${s.bridge}, customers kept apart by the VM firewall only.` };
  const used = await db.customerNetwork.count();
  return { values, summary: `${used} of ${slotCount(s)} customer networks in use (${s.sdnZoneType} zone ${s.sdnZone}).` };
}
