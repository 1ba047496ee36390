// What one chaos seed does, drawn up front from the seed alone (printed and replayable): the orders
// (plan, how payment goes, how Stripe delivers its events) and the faults injected into the
// stand-ins, in three groups — while provisioning, on the calls only compensation makes, and a
// lighter set while the operator retries every failed order.
import { seededRandom, type Random } from "./random";

export type PlanSlug = "clab-starter" | "eve-starter";
/** paid: a test card that succeeds. The rest never pay: a declined card, a session Stripe expires,
 *  and "signal", an unpaid order whose session gets a correctly signed `checkout.session.completed`
 *  (a forged or stale signal: the handler must re-read Stripe and do nothing) plus a badly signed one. */
export type Payment = "paid" | "declined" | "expired" | "signal";
export type Delivery =
  | { kind: "normal" }
  | { kind: "duplicated"; copies: number }
  | { kind: "delayed"; ms: number }
  | { kind: "replayed"; afterMs: number }
  /** Paid while deliveries are paused together with the next orders of the batch, then sent in reverse. */
  | { kind: "reordered" };

export interface OrderPlan {
  index: number;
  plan: PlanSlug;
  payment: Payment;
  delivery: Delivery;
  /** Pause before this order is paid (all orders are created first, so payments come close together). */
  gapMs: number;
}

export type ProxmoxFault = { path: string; method?: string; kind: string; message?: string; lock?: string; ms?: number; times?: number; forMs?: number };
export type HttpFault = { path: string; method?: string; status?: number; count?: number; delayMs?: number; retryAfterMs?: number; forMs?: number };
export type FaultPlan = { label: string; target: "proxmox"; spec: ProxmoxFault } | { label: string; target: "cloudflare" | "mail"; spec: HttpFault };

/** A fault on one paid order's own VM, injected once its VMID is known and active until cleared. */
export interface TargetedFault {
  orderIndex: number;
  label: string;
  /** The Proxmox path regex for that VMID. */
  path: (vmid: number) => string;
  spec: Omit<ProxmoxFault, "path">;
}

export interface Scenario {
  seed: number;
  orders: OrderPlan[];
  /** Broken for one order until the operator steps in: its run fails for good and compensates. */
  targetedFaults: TargetedFault[];
  /** Active from the start: they hit provisioning (and whatever else makes the same calls). */
  provisionFaults: FaultPlan[];
  /** On calls only compensation makes (destroy, stop, deletes, the operator's email). */
  compensationFaults: FaultPlan[];
  /** After every fault above is cleared, while the operator's retries run. */
  retryFaults: FaultPlan[];
  proxmoxLatencyMs: number;
  taskMs: number;
}

const ANY_VM = "/qemu/\\d+";
const CF_TUNNELS = "/accounts/*/cfd_tunnel";

/** Transient faults: each is within what the product's retries should ride out. */
function transientFault(r: Random): FaultPlan {
  const kind = r.weighted({
    configLock: 2,
    cloneBusy: 2,
    slowClone: 2,
    resizeFail: 1,
    statusDelay: 1,
    tunnelCreate: 2,
    dnsCreate: 2,
    ingress: 1,
    mail: 2,
    sshWrite: 1,
  });
  switch (kind) {
    case "configLock":
      return { label: "proxmox: config locked (backup)", target: "proxmox", spec: { path: `${ANY_VM}/config$`, kind: "lock", times: r.int(1, 3) } };
    case "cloneBusy":
      return {
        label: "proxmox: clone answers 500 storage busy",
        target: "proxmox",
        spec: { path: `${ANY_VM}/clone$`, method: "POST", kind: "http500", message: "storage 'local-lvm' is busy", times: r.int(1, 2) },
      };
    case "slowClone":
      return {
        label: "proxmox: slow clone task",
        target: "proxmox",
        spec: { path: `${ANY_VM}/clone$`, kind: "slowTask", ms: r.int(200, 900), times: r.int(1, 3) },
      };
    case "resizeFail":
      return {
        label: "proxmox: disk resize task fails",
        target: "proxmox",
        spec: { path: `${ANY_VM}/resize$`, kind: "failTask", message: "resize failed: injected", times: 1 },
      };
    case "statusDelay":
      return {
        label: "proxmox: slow status reads",
        target: "proxmox",
        spec: { path: `${ANY_VM}/status/current$`, kind: "delay", ms: r.int(100, 400), times: r.int(2, 6) },
      };
    case "tunnelCreate":
      return {
        label: "cloudflare: tunnel create 500",
        target: "cloudflare",
        spec: { path: CF_TUNNELS, method: "POST", status: 500, count: r.int(1, 3), retryAfterMs: 5 },
      };
    case "dnsCreate":
      return {
        label: "cloudflare: DNS create 500",
        target: "cloudflare",
        spec: { path: "/zones/*/dns_records", method: "POST", status: 500, count: r.int(1, 3), retryAfterMs: 5 },
      };
    case "ingress":
      return {
        label: "cloudflare: ingress update 503",
        target: "cloudflare",
        spec: { path: `${CF_TUNNELS}/*/configurations`, method: "PUT", status: 503, count: r.int(1, 2), retryAfterMs: 5 },
      };
    case "mail":
      return { label: "mail: send 500", target: "mail", spec: { path: "/emails", method: "POST", status: 500, count: r.int(1, 2) } };
    case "sshWrite":
      return {
        label: "proxmox ssh: qm set --cicustom locked",
        target: "proxmox",
        spec: { method: "SSH", path: "^qm set .*--cicustom", kind: "lock", times: r.int(1, 2) },
      };
  }
}

/** Outage windows: whichever runs hit them during the window fail for good and compensate. */
function permanentFault(r: Random): FaultPlan {
  const forMs = r.int(1_500, 3_000);
  const kind = r.weighted({ start: 3, clone: 2, dns: 2, tunnel: 1 });
  switch (kind) {
    case "start":
      return {
        label: `proxmox: every VM start fails for ${forMs} ms`,
        target: "proxmox",
        spec: { path: `${ANY_VM}/status/start$`, method: "POST", kind: "failTask", message: "start failed: injected", forMs },
      };
    case "clone":
      return {
        label: `proxmox: clone task fails for ${forMs} ms`,
        target: "proxmox",
        spec: { path: `${ANY_VM}/clone$`, method: "POST", kind: "failTask", message: "clone failed: out of space", forMs },
      };
    case "dns":
      return {
        label: `cloudflare: DNS create outage ${forMs} ms`,
        target: "cloudflare",
        spec: { path: "/zones/*/dns_records", method: "POST", status: 500, count: 100_000, forMs, retryAfterMs: 5 },
      };
    case "tunnel":
      return {
        label: `cloudflare: tunnel create outage ${forMs} ms`,
        target: "cloudflare",
        spec: { path: CF_TUNNELS, method: "POST", status: 503, count: 100_000, forMs, retryAfterMs: 5 },
      };
  }
}

/** On the calls compensation makes: the failures of issue 12 (DNS delete 500 ×3, a backup lock on destroy). */
function compensationFault(r: Random): FaultPlan {
  const kind = r.weighted({ dnsDelete: 3, destroyLocked: 3, stopLocked: 1, tunnelDelete: 2, operatorMail: 1, snippetRm: 1 });
  switch (kind) {
    case "dnsDelete":
      return {
        label: "cloudflare: DNS delete 500 ×3",
        target: "cloudflare",
        spec: { path: "/zones/*/dns_records/*", method: "DELETE", status: 500, count: 3, retryAfterMs: 5 },
      };
    case "destroyLocked": {
      const forMs = r.int(1_000, 10_000);
      return {
        label: `proxmox: destroy finds VM locked (backup) for ${forMs} ms`,
        target: "proxmox",
        spec: { path: `${ANY_VM}$`, method: "DELETE", kind: "lock", lock: "backup", forMs },
      };
    }
    case "stopLocked":
      return {
        label: "proxmox: stop finds VM locked (backup)",
        target: "proxmox",
        spec: { path: `${ANY_VM}/status/stop$`, method: "POST", kind: "lock", lock: "backup", times: r.int(1, 4) },
      };
    case "tunnelDelete":
      return {
        label: "cloudflare: tunnel delete 500",
        target: "cloudflare",
        spec: { path: `${CF_TUNNELS}/*`, method: "DELETE", status: 500, count: r.int(2, 4), retryAfterMs: 5 },
      };
    case "operatorMail":
      return {
        label: "mail: outage 1.5 s (whatever mail goes out then, the operator's included)",
        target: "mail",
        spec: { path: "/emails", method: "POST", status: 503, count: 100_000, forMs: 1_500 },
      };
    case "snippetRm":
      return {
        label: "proxmox ssh: snippet rm fails",
        target: "proxmox",
        spec: { method: "SSH", path: "^rm ", kind: "http500", message: "rm: cannot remove: Device or resource busy", times: r.int(1, 3) },
      };
  }
}

function targetedFault(r: Random, orderIndex: number): TargetedFault {
  const step = r.weighted({ start: 4, cloudinit: 1, resize: 1, config: 1 });
  switch (step) {
    case "start":
      return {
        orderIndex,
        label: `order ${orderIndex}: its VM never starts`,
        path: (vmid) => `/qemu/${vmid}/status/start$`,
        spec: { method: "POST", kind: "failTask", message: "start failed: kvm: injected" },
      };
    case "cloudinit":
      return {
        orderIndex,
        label: `order ${orderIndex}: its cloud-init drive cannot be rebuilt`,
        path: (vmid) => `^qm cloudinit update ${vmid}$`,
        spec: { method: "SSH", kind: "http500", message: "cloudinit: storage error" },
      };
    case "resize":
      return {
        orderIndex,
        label: `order ${orderIndex}: its disk cannot grow`,
        path: (vmid) => `/qemu/${vmid}/resize$`,
        spec: { method: "PUT", kind: "failTask", message: "resize failed: no space" },
      };
    case "config":
      return {
        orderIndex,
        label: `order ${orderIndex}: its config stays locked (backup)`,
        path: (vmid) => `/qemu/${vmid}/config$`,
        spec: { method: "PUT", kind: "lock", lock: "backup" },
      };
  }
}

function delivery(r: Random): Delivery {
  const kind = r.weighted({ normal: 3, duplicated: 2, delayed: 2, replayed: 2, reordered: 2 });
  switch (kind) {
    case "normal":
    case "reordered":
      return { kind };
    case "duplicated":
      return { kind, copies: r.int(1, 3) };
    case "delayed":
      return { kind, ms: r.int(100, 1_500) };
    case "replayed":
      return { kind, afterMs: r.int(200, 4_000) };
  }
}

export function drawScenario(seed: number, orderCount: number): Scenario {
  const r = seededRandom(seed);
  const orders: OrderPlan[] = [];
  for (let index = 0; index < orderCount; index++) {
    // The first two orders are one paid and one unpaid, so every seed checks both sides of I1.
    const payment: Payment =
      index === 0 ? "paid" : index === 1 ? r.pick(["declined", "expired", "signal"] as const) : r.weighted({ paid: 7, declined: 1, expired: 1, signal: 1 });
    orders.push({
      index,
      plan: r.pick(["clab-starter", "eve-starter"] as const),
      payment,
      delivery: payment === "paid" ? delivery(r) : { kind: "normal" },
      gapMs: r.int(0, 250),
    });
  }
  const provisionFaults = Array.from({ length: r.int(3, 6) }, () => transientFault(r));
  if (r.chance(0.5)) provisionFaults.push(permanentFault(r));
  const paid = orders.filter((o) => o.payment === "paid");
  const targets = new Set(Array.from({ length: Math.min(paid.length, r.int(1, 2)) }, () => r.pick(paid).index));
  const targetedFaults = [...targets].map((index) => targetedFault(r, index));
  const compensationFaults = Array.from({ length: r.int(1, 3) }, () => compensationFault(r));
  const retryFaults = Array.from({ length: r.int(0, 2) }, () => transientFault(r));
  return { seed, orders, targetedFaults, provisionFaults, compensationFaults, retryFaults, proxmoxLatencyMs: r.int(0, 15), taskMs: r.int(40, 400) };
}
