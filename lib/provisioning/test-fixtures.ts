// Scene-setting for the provisioning integration tests (*.db.test.ts): a paid order on a small
// plan of its own, and the stand-ins' /_sim controls (request logs, faults, state). The database
// and the stand-ins are shared by every test file, so everything here is unique per call and
// `retireProvisioningFixtures` takes what a file created out of the capacity picture afterwards.
import fs from "node:fs";
import ssh2 from "ssh2";
import { Agent, fetch } from "undici";
import { inject } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { seedCatalog } from "@/lib/catalog/seed-catalog";
import type { LabType } from "@/lib/generated/prisma/client";
import { parsePublicKey } from "@/lib/ssh-keys/parse-public-key";

export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
export const sim = () => inject("simUrls");

let proxmoxAgent: Agent | undefined;
/** The Proxmox stand-in speaks HTTPS with its own CA, like a real node. */
async function simJson<T>(url: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  proxmoxAgent ??= new Agent({ connect: { ca: fs.readFileSync(env().PROXMOX_CA_CERT_FILE, "utf8") } });
  const response = await fetch(url, {
    method: init.method ?? "GET",
    dispatcher: url.startsWith("https:") ? proxmoxAgent : undefined,
    headers: init.body === undefined ? {} : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export type ProxmoxLogEntry = { id: number; kind: "api" | "ssh" | "sftp" | "vnc"; method: string; path: string; params: Record<string, string>; status: number | null };
export type SimVm = { vmid: number; node: string; name: string; status: string; lock: string | null; config: Record<string, string | number>; sshKeys: string[] };

export const proxmox = {
  requests: (since = 0) => simJson<ProxmoxLogEntry[]>(`${sim().proxmox}/_sim/requests?since=${since}`),
  /** The id of the newest log entry: pass it to requests() to see only what came after. */
  mark: async () => (await simJson<ProxmoxLogEntry[]>(`${sim().proxmox}/_sim/requests`)).at(-1)?.id ?? 0,
  vm: async (vmid: number) => (await simJson<SimVm[]>(`${sim().proxmox}/_sim/vms`)).find((v) => v.vmid === vmid),
  snippets: () => simJson<{ name: string; path: string; content: string }[]>(`${sim().proxmox}/_sim/snippets`),
  fault: (spec: { method?: string; path: string; kind: string; message?: string; times?: number; ms?: number }) =>
    simJson<{ id: number }>(`${sim().proxmox}/_sim/faults`, { method: "POST", body: spec }),
  clearFaults: () => simJson(`${sim().proxmox}/_sim/faults`, { method: "DELETE" }),
};

export type CfTunnel = { id: string; name: string; deleted_at: string | null; configuration: { config: { ingress: { hostname?: string; service: string }[] } | null } | null };
export type CfRecord = { id: string; name: string; type: string; content: string; proxied: boolean };

export const cloudflareSim = {
  state: () => simJson<{ tunnels: CfTunnel[]; dns_records: CfRecord[] }>(`${sim().cloudflare}/_sim/state`),
  requests: async () => (await simJson<{ requests: { method: string; path: string }[] }>(`${sim().cloudflare}/_sim/requests`)).requests,
  clearRequests: () => simJson(`${sim().cloudflare}/_sim/requests`, { method: "DELETE" }),
  fault: (spec: { path: string; method?: string; status?: number; count?: number }) => simJson(`${sim().cloudflare}/_sim/faults`, { method: "POST", body: spec }),
  clearFaults: () => simJson(`${sim().cloudflare}/_sim/faults`, { method: "DELETE" }),
  /** Plays cloudflared connecting, so deletion has connections to remove first. */
  connect: (tunnelId: string) => simJson(`${sim().cloudflare}/_sim/tunnels/${tunnelId}/connect`, { method: "POST", body: {} }),
};

export type SimMail = { id: string; to: string[]; subject: string; text?: string; html?: string };
export const mailSim = {
  messages: async (to: string) => (await simJson<{ messages: SimMail[] }>(`${sim().mail}/_sim/messages?to=${encodeURIComponent(to)}`)).messages,
};

/** What this product left in the stand-ins for a VMID: the tests' "nothing left behind". */
export async function leftoversFor(vmid: number) {
  const { tunnels, dns_records } = await cloudflareSim.state();
  return {
    vm: await proxmox.vm(vmid),
    tunnels: tunnels.filter((t) => t.name === `labvps-${vmid}` && !t.deleted_at),
    records: dns_records.filter((r) => r.name === `ssh-${vmid}.${env().BASE_DOMAIN}` || r.name === `eve-${vmid}.${env().BASE_DOMAIN}`),
    snippets: (await proxmox.snippets()).filter((s) => s.name === `labvps-${vmid}.yaml`),
    reservation: await db.vmidReservation.findUnique({ where: { vmid } }),
  };
}

/**
 * A fresh ed25519 public key line. ssh2 drops a leading zero byte of the key about once in 250
 * keys (a 31-byte key, which OpenSSH and our parser rightly refuse): such a key is drawn again.
 */
export function generatePublicKey(comment = "tester@laptop"): string {
  for (;;) {
    const line = ssh2.utils.generateKeyPairSync("ed25519", { comment }).public.trim();
    if (parsePublicKey(line).ok) return line;
  }
}

let seeded: Promise<unknown> | undefined;
const created = { users: new Set<string>(), plans: new Set<string>() };

/** A paid order for a small plan of its own (1 vCPU, 1 GB, 40 GB: larger than the 32 GB template). */
export async function createPaidOrder(opts: { labType?: LabType; hostname?: string; sshPublicKeys?: string[] } = {}) {
  seeded ??= seedCatalog(db).then(() => db.proxmoxNode.update({ where: { name: "pve1" }, data: { enabled: true } }));
  await seeded; // the node "pve1" and its templates, as the Proxmox stand-in has them
  const tag = unique();
  const user = await db.user.create({ data: { email: `prov.${tag}@example.test`, name: `Prov ${tag}`, passwordHash: "x" } });
  const plan = await db.plan.create({
    data: { slug: `prov-${tag}`, name: `Provisioning test ${tag}`, labType: opts.labType ?? "containerlab", vcpus: 1, ramGb: 1, diskGb: 40, monthlyPriceMinor: 500, active: false },
  });
  created.users.add(user.id);
  created.plans.add(plan.id);
  const order = await db.order.create({
    data: {
      userId: user.id, planId: plan.id, interval: "month", status: "paid", amountMinor: 500, currency: "usd", paidAt: new Date(),
      hostname: opts.hostname ?? `lab-${tag}`, sshPublicKeys: opts.sshPublicKeys ?? [generatePublicKey()],
    },
  });
  return { order, user, plan };
}

/**
 * Marks this file's VMs destroyed and drops their reservations, so later test files see the
 * shared node's capacity and VMID range as if these tests had not run.
 */
export async function retireProvisioningFixtures() {
  const userId = { in: [...created.users] };
  const orders = await db.order.findMany({ where: { userId }, select: { id: true } });
  await db.vmidReservation.deleteMany({ where: { orderId: { in: orders.map((o) => o.id) } } });
  await db.vm.updateMany({ where: { userId }, data: { status: "destroyed", vmid: null } });
  await db.order.updateMany({ where: { userId, status: { in: ["paid", "provisioning"] } }, data: { status: "failed" } });
}
