// `npm run doctor`: every check against the configured services, in one list. Read-only.
import { type CheckResult } from "@/lib/doctor/check";
import { runProxmoxChecks } from "@/lib/doctor/proxmox-checks";
import { runServiceChecks } from "@/lib/doctor/service-checks";
import { runNetworkChecks } from "@/lib/doctor/network-checks";

export async function runDoctor(): Promise<{ ok: boolean; results: CheckResult[] }> {
  const [proxmox, network, services] = await Promise.all([runProxmoxChecks(), runNetworkChecks(), runServiceChecks()]);
  const results = [...proxmox, ...network, ...services];
  return { ok: results.every((r) => r.ok), results };
}

export function formatResults(results: CheckResult[]): string {
  return results.map((r) => `${r.ok ? "ok  " : "FAIL"}  ${r.service.padEnd(10)} ${r.name.padEnd(34)} ${r.detail}`).join("\n");
}
