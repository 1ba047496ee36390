// One line of the operator's preflight (`npm run doctor`). Checks only read: nothing a customer
// owns (VMs, tunnels, records, subscriptions, mail) is created, changed or deleted.
export type CheckResult = { service: "proxmox" | "stripe" | "cloudflare" | "resend" | "inngest"; name: string; ok: boolean; detail: string };

export const pass = (service: CheckResult["service"], name: string, detail: string): CheckResult => ({ service, name, ok: true, detail });
export const fail = (service: CheckResult["service"], name: string, detail: string): CheckResult => ({ service, name, ok: false, detail });

/** Runs a check; an exception is a failed check with its message, not a crashed doctor. */
export async function guarded(service: CheckResult["service"], name: string, work: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const out = await work();
    return Array.isArray(out) ? out : [out];
  } catch (error) {
    return [fail(service, name, error instanceof Error ? error.message : String(error))];
  }
}
