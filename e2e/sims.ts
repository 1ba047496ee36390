// The browser tests' view of the stand-ins the server runs (ports in ./ports.ts): their /_sim
// controls and logs, for arranging faults and for asserting what reached each service.
import fs from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";
import { Agent, fetch as undiciFetch } from "undici";
import { isHandledStripeEventType } from "../lib/billing/stripe-event-types";
import { e2eDataDir, simUrl } from "./ports";

let proxmoxAgent: Agent | undefined;
function pinned(): Agent {
  // The stand-in's CA, as the app pins it: TLS verification stays on in tests too.
  proxmoxAgent ??= new Agent({ connect: { ca: fs.readFileSync(path.join(e2eDataDir, "sim", "proxmox-ca.pem"), "utf8") } });
  return proxmoxAgent;
}

async function call<T>(base: keyof typeof simUrl, route: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const url = `${simUrl[base]}${route}`;
  const options = {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  };
  const response = base === "proxmox" ? await undiciFetch(url, { ...options, dispatcher: pinned() }) : await fetch(url, options);
  if (!response.ok) throw new Error(`${options.method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export type ProxmoxVm = {
  vmid: number;
  node: string;
  status: string;
  config: Record<string, string | number>;
  sshKeys: string[];
  bootedWith: { node: string; cicustom: string | null; userData: string | null } | null;
};
export type ProxmoxRequest = { id: number; method: string; path: string };

export const sims = {
  proxmoxVms: () => call<ProxmoxVm[]>("proxmox", "/_sim/vms"),
  proxmoxRequests: (since = 0) => call<ProxmoxRequest[]>("proxmox", `/_sim/requests?since=${since}`),
  async proxmoxLastRequestId() {
    return (await this.proxmoxRequests()).at(-1)?.id ?? 0;
  },
  proxmoxSnippets: () => call<Array<{ node: string | null; storage: string; name: string; content: string }>>("proxmox", "/_sim/snippets"),
  /** Each node's SSH daemon: host, port and host key fingerprint. */
  proxmoxNodes: () => call<Array<{ node: string; host: string; port: number; hostFingerprint: string }>>("proxmox", "/_sim/nodes"),
  proxmoxFault: (spec: Record<string, unknown>) => call<{ id: number }>("proxmox", "/_sim/faults", { method: "POST", body: spec }),
  proxmoxClearFaults: () => call("proxmox", "/_sim/faults", { method: "DELETE" }),
  /** The lab (issue 20): a file on the guest's disk, the stand-in's clock, how guests boot, nested virtualization per node. */
  proxmoxVm: (vmid: number) => call<ProxmoxVm & { disk: Record<string, string>; snapshots: Array<{ name: string }> }>("proxmox", `/_sim/vms/${vmid}`),
  proxmoxWriteFile: (vmid: number, path: string, content: string) => call("proxmox", `/_sim/vms/${vmid}/files`, { method: "POST", body: { path, content } }),
  proxmoxAdvanceClock: (seconds: number) => call<{ now: number }>("proxmox", "/_sim/clock/advance", { method: "POST", body: { seconds } }),
  proxmoxGuestAgent: (plan: { agent?: "answers" | "silent"; cloudInit?: "done" | "error" }) =>
    call("proxmox", "/_sim/guest-agent", { method: "POST", body: plan }),
  proxmoxResetGuestAgent: () => call("proxmox", "/_sim/guest-agent", { method: "DELETE" }),
  proxmoxNested: (node: string, on: boolean) => call("proxmox", "/_sim/nodes/nested", { method: "POST", body: { node, on } }),
  proxmoxSettings: (settings: Record<string, number>) => call<Record<string, number>>("proxmox", "/_sim/settings", { method: "POST", body: settings }),
  /** Runs an Inngest cron function now (its id without the app's prefix) and waits for the run to end. */
  async inngestCron(fn: string) {
    const run = await call<{ id: string }>("inngest", `/_sim/cron/lab-vps-${fn}`, { method: "POST" });
    await expect.poll(async () => (await call<{ status: string }>("inngest", `/_sim/runs/${run.id}`)).status, { timeout: 30_000 }).toBe("Completed");
  },
  /** As if Proxmox had recorded the guest in its present power state for `seconds` (its graphs). */
  proxmoxRrdBackfill: (vmid: number, seconds: number) => call("proxmox", `/_sim/vms/${vmid}/rrd`, { method: "POST", body: { seconds } }),
  /** Guest firewall files by VMID (issue 26). */
  proxmoxFirewalls: () =>
    call<{ vms: Record<string, { options: Record<string, number | string>; rules: Array<Record<string, string | number>> }> }>(
      "proxmox",
      "/_sim/firewall",
    ).then((r) => r.vms),
  proxmoxReach: (probe: { from: number; to: number | string; proto?: string; port?: number }) =>
    call<{ reachable: boolean; reason: string }>("proxmox", "/_sim/reachability", { method: "POST", body: probe }),
  cloudflareState: () =>
    call<{ tunnels: Array<{ id: string; name: string; deleted_at: string | null }>; dns_records: Array<{ id: string; name: string; content: string }> }>(
      "cloudflare",
      "/_sim/state",
    ),
  mailTo: (to: string) =>
    call<{ messages: Array<{ id: string; to: string[]; subject: string; html?: string; text?: string }> }>(
      "mail",
      `/_sim/messages?to=${encodeURIComponent(to)}`,
    ).then((r) => r.messages),
  stripeWebhooks: (action: "pause" | "resume") => call("stripe", `/_sim/webhooks/${action}`, { method: "POST" }),
  stripeReorder: (order: "reverse" | string[]) => call("stripe", "/_sim/webhooks/reorder", { method: "POST", body: { order } }),
  stripeRule: (rule: { type: string; duplicates?: number; delayMs?: number; times?: number }) =>
    call("stripe", "/_sim/webhooks/rules", { method: "POST", body: rule }),
  stripeClearRules: () => call("stripe", "/_sim/webhooks/rules", { method: "DELETE" }),
  stripeIdle: () => call("stripe", "/_sim/webhooks/idle", { method: "POST", body: { timeoutMs: 20_000 } }),
  /**
   * Waits until everything Stripe said has been carried out: every webhook acknowledged, every
   * handled event forwarded to Inngest (its Stripe id is an Inngest event id), and no run queued or
   * running. A test that asserts "nothing happened" asserts it after this fact, not after a sleep.
   */
  async settled() {
    await this.stripeIdle();
    await expect
      .poll(
        async () => {
          const stripeIds = (await call<{ data: Array<{ id: string; type: string }> }>("stripe", "/_sim/events")).data
            .filter((e) => isHandledStripeEventType(e.type))
            .map((e) => e.id);
          const seen = new Set((await call<Array<{ id: string }>>("inngest", "/_sim/events")).map((e) => e.id));
          const active = await call<unknown[]>("inngest", "/_sim/runs?status=Running").then(
            async (r) => r.length + (await call<unknown[]>("inngest", "/_sim/runs?status=Queued")).length,
          );
          return { notForwarded: stripeIds.filter((id) => !seen.has(id)), active };
        },
        { timeout: 30_000, message: "Stripe's events forwarded and every Inngest run ended" },
      )
      .toEqual({ notForwarded: [], active: 0 });
  },
  /** The customer's Stripe customer and subscriptions, found by email (what a test knows of them). */
  async stripeCustomerByEmail(email: string) {
    const state = await call<{ customers: Array<{ id: string; email: string | null }>; subscriptions: Array<{ id: string; customer: string }> }>(
      "stripe",
      "/_sim/state",
    );
    const customer = state.customers.find((c) => c.email === email);
    if (!customer) throw new Error(`no Stripe customer for ${email}`);
    return { id: customer.id, subscriptionIds: state.subscriptions.filter((s) => s.customer === customer.id).map((s) => s.id) };
  },
  stripeSetCard: (customerId: string, number: string) => call("stripe", `/_sim/customers/${customerId}/card`, { method: "POST", body: { number } }),
  /** What 23 h passing does to an unpaid pending update, for one subscription (the shared clock stays). */
  stripeExpirePendingUpdate: (subscriptionId: string) => call("stripe", `/_sim/subscriptions/${subscriptionId}/expire_pending_update`, { method: "POST" }),
  /** The Stripe subscriptions of a customer, as Stripe holds them (status, cancellation). */
  async stripeSubscriptionsOf(email: string) {
    const state = await call<{
      customers: Array<{ id: string; email: string | null }>;
      subscriptions: Array<{ id: string; customer: string; status: string; cancellation_details: { reason: string | null } }>;
    }>("stripe", "/_sim/state");
    const customer = state.customers.find((c) => c.email === email);
    return customer ? state.subscriptions.filter((s) => s.customer === customer.id) : [];
  },
};

/** The cloud-init snippet the VM at a VMID boots with (its `cicustom`; named after the Vm row). */
export async function snippetFor(vmid: number): Promise<string | undefined> {
  const vm = (await sims.proxmoxVms()).find((v) => v.vmid === vmid);
  const file = /snippets\/([^,]+)/.exec(String(vm?.config.cicustom ?? ""))?.[1];
  return file ? (await sims.proxmoxSnippets()).find((s) => s.name === file)?.content : undefined;
}
