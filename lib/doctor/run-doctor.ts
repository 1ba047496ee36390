// `npm run doctor`: every check against the configured services, in one list. Read-only.
import { type CheckResult } from "@/lib/doctor/check";
import { runProxmoxChecks } from "@/lib/doctor/proxmox-checks";
import { runServiceChecks } from "@/lib/doctor/service-checks";
import { guarded } from "@/lib/doctor/check";
import { inngestSyncCheck } from "@/lib/doctor/inngest-checks";
import { runNetworkChecks } from "@/lib/doctor/network-checks";

/** `inngestFunctionIds`: what Inngest should have registered (`<app id>-<function id>`; scripts/doctor.ts). */
export async function runDoctor(inngestFunctionIds: string[] = []): Promise<{ ok: boolean; results: CheckResult[] }> {
  const [proxmox, network, services, inngest] = await Promise.all([
    runProxmoxChecks(),
    runNetworkChecks(),
    runServiceChecks(),
    guarded("inngest", "sync", async () => (await inngestSyncCheck(inngestFunctionIds)) ?? []),
  ]);
  const results = [...proxmox, ...network, ...services, ...inngest];
  return { ok: results.every((r) => r.ok), results };
}

export function formatResults(results: CheckResult[]): string {
  return results.map((r) => `${r.ok ? "ok  " : "FAIL"}  ${r.service.padEnd(10)} ${r.name.padEnd(34)} ${r.detail}`).join("\n");
}
