// `npm run doctor`: every check against the configured services, in one list. Read-only.
import { type CheckResult } from "@/lib/doctor/check";
import { runProxmoxChecks } from "@/lib/doctor/proxmox-checks";
import { runServiceChecks } from "@/lib/doctor/service-checks";
import { guarded } from "@/lib/doctor/check";
import { inngestSyncCheck } from "@/lib/doctor/inngest-checks";

/** The function ids Inngest should have for this app (`<app id>-<function id>`). */
async function expectedInngestIds(): Promise<string[]> {
  const [{ inngest }, { functions }] = await Promise.all([import("@/inngest/client"), import("@/inngest/index")]);
  return functions.map((fn) => `${inngest.id}-${fn.id()}`);
}

export async function runDoctor(): Promise<{ ok: boolean; results: CheckResult[] }> {
  const [proxmox, services, inngest] = await Promise.all([
    runProxmoxChecks(),
    runServiceChecks(),
    guarded("inngest", "sync", async () => (await inngestSyncCheck(await expectedInngestIds())) ?? []),
  ]);
  const results = [...proxmox, ...services, ...inngest];
  return { ok: results.every((r) => r.ok), results };
}

export function formatResults(results: CheckResult[]): string {
  return results.map((r) => `${r.ok ? "ok  " : "FAIL"}  ${r.service.padEnd(10)} ${r.name.padEnd(34)} ${r.detail}`).join("\n");
}
