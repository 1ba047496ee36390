// Plays one scenario against the world: orders paid (or not) through the Stripe stand-in's checkout
// with the scenario's delivery modes, faults injected through the stand-ins' /_sim controls, a
// wait until everything settles, then the operator's retry of every failed order and another wait.
import { generateKeyPairSync } from "node:crypto";
import type { FaultPlan, OrderPlan, Scenario, TargetedFault } from "./scenario";
import type { ChaosWorld, Json } from "./world";

export interface PlacedOrder {
  plan: OrderPlan;
  orderId: string;
  sessionId: string;
  hostname: string;
  userEmail: string;
  resources: { vcpus: number; ramGb: number; diskGb: number; labType: string };
}

export interface InjectedFault {
  label: string;
  target: FaultPlan["target"];
  id: number;
  /** Cloudflare and mail faults vanish once their count is used up: then they were hit `count` times. */
  count?: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An OpenSSH ed25519 public key line, always well formed (the key is the SPKI's last 32 bytes). */
function publicKeyLine(comment: string): string {
  const spki = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" });
  const part = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  const blob = Buffer.concat([part(Buffer.from("ssh-ed25519")), part(spki.subarray(spki.length - 32))]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

export async function resetWorld(world: ChaosWorld, scenario: Scenario) {
  await world.sim("proxmox", "reset", "POST");
  await world.sim("proxmox", "settings", "POST", {
    taskDurationMs: scenario.taskMs,
    shortTaskDurationMs: Math.ceil(scenario.taskMs / 3),
    latencyMs: scenario.proxmoxLatencyMs,
  });
  await world.sim("proxmox", "requests", "DELETE");
  await world.sim("cloudflare", "reset", "POST");
  await world.sim("mail", "messages", "DELETE");
  await world.sim("mail", "faults", "DELETE");
  await world.sim("inngest", "reset", "POST");
  await world.sim("stripe", "webhooks/rules", "DELETE");
  await world.sim("stripe", "webhooks/resume", "POST");
  await world.sim("proxmox", "inflight/reset", "POST");
}

export async function injectFaults(world: ChaosWorld, faults: FaultPlan[]): Promise<InjectedFault[]> {
  const injected: InjectedFault[] = [];
  for (const f of faults) {
    if (f.target === "proxmox") injected.push({ label: f.label, target: f.target, id: (await world.sim("proxmox", "faults", "POST", f.spec)).id });
    else {
      const {
        faults: [added],
      } = await world.sim(f.target, "faults", "POST", f.spec);
      injected.push({ label: f.label, target: f.target, id: added.id, count: added.count });
    }
  }
  return injected;
}

/** How often each injected fault was hit, from the stand-ins' own fault lists. */
export async function faultHits(world: ChaosWorld, injected: InjectedFault[]): Promise<{ label: string; hits: number }[]> {
  const lists: Record<string, Json[]> = {
    proxmox: await world.sim("proxmox", "faults"),
    cloudflare: (await world.sim("cloudflare", "faults")).faults ?? [],
    mail: (await world.sim("mail", "faults")).faults ?? [],
  };
  return injected.map((f) => {
    const listed = lists[f.target]!.find((l) => l.id === f.id);
    return { label: f.label, hits: listed ? Number(listed.hits) : (f.count ?? 0) };
  });
}

export async function clearFaults(world: ChaosWorld) {
  await world.sim("proxmox", "faults", "DELETE");
  await world.sim("cloudflare", "faults", "DELETE");
  await world.sim("mail", "faults", "DELETE");
}

export async function prepareCatalog(world: ChaosWorld) {
  const { db, seedCatalog } = world.app;
  await seedCatalog(db);
  // Room for every seed's orders on the stand-in's one node; restored by the caller's teardown.
  const before = await db.proxmoxNode.findUniqueOrThrow({ where: { name: "pve1" } });
  await db.proxmoxNode.update({ where: { name: "pve1" }, data: { enabled: true, cpuCapacity: 100_000, ramCapacityGb: 100_000, diskCapacityGb: 1_000_000 } });
  return async () => {
    await db.proxmoxNode.update({
      where: { name: "pve1" },
      data: { enabled: before.enabled, cpuCapacity: before.cpuCapacity, ramCapacityGb: before.ramCapacityGb, diskCapacityGb: before.diskCapacityGb },
    });
  };
}

async function findEvent(world: ChaosWorld, type: string, objectId: string): Promise<string | undefined> {
  const { data } = await world.sim("stripe", `events?type=${encodeURIComponent(type)}`);
  return (data as Json[]).find((e) => e.data.object.id === objectId)?.id;
}

/** A signed `checkout.session.completed` for a session nobody paid: a stale or forged signal. */
async function sendSignal(world: ChaosWorld, order: PlacedOrder, seed: number, secret: string): Promise<number[]> {
  const payload = JSON.stringify({
    id: `evt_chaos_${seed}_${order.plan.index}`,
    object: "event",
    type: "checkout.session.completed",
    created: Math.floor(Date.now() / 1000),
    api_version: "2026-10-28.endive",
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: { id: order.sessionId, object: "checkout.session", status: "complete", payment_status: "paid", client_reference_id: order.orderId } },
  });
  const post = (signature: string) =>
    fetch(world.webhookUrl, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload }).then(
      (r) => r.status,
    );
  return [await post(world.app.signPayload(payload, secret)), await post(world.app.signPayload(payload, "whsec_not_the_secret"))];
}

/**
 * Creates every order of the scenario (checkout, as the plan page does), then pays them one after
 * another with short gaps, so provisioning runs overlap; `orders` fills as they are created.
 */
export async function placeOrders(
  world: ChaosWorld,
  scenario: Scenario,
  log: (line: string) => void,
  orders: PlacedOrder[] = [],
): Promise<{ orders: PlacedOrder[]; pendingReplays: Promise<void>[] }> {
  const { db, createOrder, checkoutSchema, stripe, env } = world.app;
  for (const plan of scenario.orders) {
    const tag = `s${scenario.seed}-${plan.index}-${Date.now().toString(36)}`;
    const user = await db.user.create({
      data: { email: `chaos.${tag}@example.test`, name: `Chaos ${tag}`, passwordHash: "x" },
      select: { id: true, email: true, name: true },
    });
    const hostname = `chaos-${tag}`.slice(0, 40).replace(/-+$/, "");
    const input = checkoutSchema.parse({ plan: plan.plan, interval: "month", hostname, newKey: publicKeyLine(`chaos@${tag}`) });
    const { orderId } = await createOrder(user, input);
    const row = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { plan: true } });
    orders.push({
      plan,
      orderId,
      sessionId: row.stripeCheckoutSessionId!,
      hostname: row.hostname,
      userEmail: user.email,
      resources: { vcpus: row.plan.vcpus, ramGb: row.plan.ramGb, diskGb: row.plan.diskGb, labType: row.plan.labType },
    });
  }

  const pendingReplays: Promise<void>[] = [];
  let batchOpen = false;
  const closeBatch = async () => {
    if (!batchOpen) return;
    await world.sim("stripe", "webhooks/reorder", "POST", { order: "reverse" });
    await world.sim("stripe", "webhooks/resume", "POST");
    batchOpen = false;
  };
  for (const placed of orders) {
    const { plan } = placed;
    await pause(plan.gapMs);
    const pay = (card = "4242424242424242") => world.sim("stripe", `checkout/${placed.sessionId}/pay`, "POST", { card });
    if (plan.delivery.kind !== "reordered") await closeBatch();
    switch (plan.payment) {
      case "declined":
        await pay("4000000000000002").catch(() => undefined); // a declined card leaves the session open
        break;
      case "expired":
        await stripe().checkout.sessions.expire(placed.sessionId);
        break;
      case "signal": {
        const statuses = await sendSignal(world, placed, scenario.seed, env().STRIPE_WEBHOOK_SECRET);
        log(`  order ${plan.index}: forged checkout.session.completed answered ${statuses.join(" (good signature), ")} (bad signature)`);
        break;
      }
      case "paid": {
        const d = plan.delivery;
        // Rules bind to the next matching event: payments are made one at a time, so that is this order's.
        if (d.kind === "duplicated")
          await world.sim("stripe", "webhooks/rules", "POST", { type: "checkout.session.completed", duplicates: d.copies, times: 1 });
        if (d.kind === "delayed") await world.sim("stripe", "webhooks/rules", "POST", { type: "checkout.session.completed", delayMs: d.ms, times: 1 });
        if (d.kind === "reordered" && !batchOpen) {
          await world.sim("stripe", "webhooks/pause", "POST");
          batchOpen = true;
        }
        await pay();
        if (d.kind === "replayed") {
          pendingReplays.push(
            pause(d.afterMs).then(async () => {
              const id = await findEvent(world, "checkout.session.completed", placed.sessionId);
              if (id) await world.sim("stripe", `events/${id}/replay`, "POST");
            }),
          );
        }
        break;
      }
    }
  }
  await closeBatch();
  return { orders, pendingReplays };
}

const SETTLED = new Set(["provisioned", "failed"]);

/**
 * Waits until nothing moves: no webhook queued, no Inngest run queued or running, and every paid
 * order provisioned or failed, twice in a row. Answers what still moves when the time is up.
 */
export async function waitForSettled(world: ChaosWorld, orders: PlacedOrder[], timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  const paidIds = orders.filter((o) => o.plan.payment === "paid").map((o) => o.orderId);
  let calm = 0;
  let what = "";
  while (Date.now() < deadline) {
    const pendingDeliveries = ((await world.sim("stripe", "deliveries")).data as Json[]).filter(
      (d) => d.status === "pending" || d.status === "delivering",
    ).length;
    const active = world.inngestSim.runs().filter((r) => r.status === "Queued" || r.status === "Running");
    const unsettled = await world.app.db.order.findMany({
      where: { id: { in: paidIds }, status: { notIn: [...SETTLED] as never[] } },
      select: { id: true, status: true },
    });
    what = `${pendingDeliveries} webhook deliveries pending, ${active.length} Inngest runs active (${[...new Set(active.map((r) => r.functionId))].join(", ")}), ${unsettled.length} paid orders not settled (${unsettled.map((o) => o.status).join(", ")})`;
    calm = pendingDeliveries === 0 && active.length === 0 && unsettled.length === 0 ? calm + 1 : 0;
    if (calm >= 2) return null;
    await pause(250);
  }
  return what;
}

/** The operator presses "retry provisioning" on every failed order (sometimes twice, a double click). */
export async function retryFailedOrders(
  world: ChaosWorld,
  orders: PlacedOrder[],
  seed: number,
  doubleClick: (i: number) => boolean,
): Promise<{ retried: string[]; refused: string[] }> {
  const { db, retryProvisioning } = world.app;
  const admin = await db.user.create({
    data: { email: `chaos.ops.${seed}.${Date.now().toString(36)}@example.test`, name: "Chaos operator", passwordHash: "x", role: "admin" },
  });
  const failed = await db.order.findMany({ where: { id: { in: orders.map((o) => o.orderId) }, status: "failed" }, select: { id: true } });
  const refused: string[] = [];
  await Promise.all(
    failed.map(async (o, i) => {
      const press = () => retryProvisioning({ orderId: o.id, adminId: admin.id });
      // A double click: one of the two may be refused (the order is no longer failed); at least one must go through.
      const outcomes = await Promise.allSettled(doubleClick(i) ? [press(), press()] : [press()]);
      if (outcomes.every((x) => x.status === "rejected")) {
        const index = orders.findIndex((p) => p.orderId === o.id);
        refused.push(`order ${index}: the operator's retry was refused: ${(outcomes[0] as PromiseRejectedResult).reason?.message ?? outcomes[0]}`);
      }
    }),
  );
  return { retried: failed.map((o) => o.id), refused };
}

/**
 * Takes a finished seed's VMs and reservations out of the shared picture (capacity, VMID range),
 * the way the provisioning tests retire theirs, so later seeds and test files start clean.
 */
export async function retireOrders(world: ChaosWorld, orders: PlacedOrder[]) {
  const { db } = world.app;
  const orderId = { in: orders.map((o) => o.orderId) };
  await db.vmidReservation.deleteMany({ where: { orderId } });
  // Their addresses and customer networks too (issue 26): the next seed's stand-in starts empty.
  const users = (await db.order.findMany({ where: { id: orderId }, select: { userId: true } })).map((o) => o.userId);
  await db.vm.updateMany({ where: { orderId }, data: { status: "destroyed", vmid: null, networkId: null, ipAddress: null, macAddress: null } });
  await db.customerNetwork.deleteMany({ where: { userId: { in: users } } });
  await db.order.updateMany({ where: { id: orderId, status: { in: ["paid", "provisioning"] } }, data: { status: "failed" } });
}

/**
 * Injects each targeted fault as soon as its order's VMID is in the database (reserved before the
 * first Proxmox call on it), so that order's own VM is broken and only its run fails for good.
 */
export function watchTargets(world: ChaosWorld, orders: PlacedOrder[], targets: TargetedFault[], injected: InjectedFault[]) {
  const waiting = new Set(targets);
  let busy = false;
  const timer = setInterval(() => {
    if (busy || waiting.size === 0) return;
    busy = true;
    void (async () => {
      const byOrder = new Map([...waiting].flatMap((t) => (orders[t.orderIndex] ? [[orders[t.orderIndex]!.orderId, t] as const] : [])));
      if (byOrder.size === 0) return;
      const vms = await world.app.db.vm.findMany({
        where: { orderId: { in: [...byOrder.keys()] }, vmid: { not: null } },
        select: { orderId: true, vmid: true },
      });
      for (const vm of vms) {
        const target = byOrder.get(vm.orderId)!;
        waiting.delete(target);
        const { id } = await world.sim("proxmox", "faults", "POST", { ...target.spec, path: target.path(vm.vmid!) });
        injected.push({ label: `${target.label} (VM ${vm.vmid})`, target: "proxmox", id });
      }
    })()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 25);
  return { stop: () => clearInterval(timer), missed: () => [...waiting].map((t) => t.label) };
}

/**
 * Customers reboot some running VMs (through the same domain function as the VM page's button)
 * while the operator's retries run: power work draws on the same Proxmox limit. A second press
 * while the first is open is refused by design and ignored here.
 */
export async function rebootSome(world: ChaosWorld, orders: PlacedOrder[], pick: () => boolean): Promise<number> {
  const { db, requestPower } = world.app;
  const vms = await db.vm.findMany({ where: { orderId: { in: orders.map((o) => o.orderId) }, status: "running" }, select: { id: true, userId: true } });
  const chosen = vms.filter(() => pick());
  await Promise.all(
    chosen.map((vm) =>
      Promise.allSettled([
        requestPower({ userId: vm.userId, vmId: vm.id, action: "reboot" }),
        requestPower({ userId: vm.userId, vmId: vm.id, action: "reboot" }),
      ]),
    ),
  );
  return chosen.length;
}

/** Power requests of these orders' VMs that never finished. */
export async function openPowerRequests(world: ChaosWorld, orders: PlacedOrder[]): Promise<number> {
  return world.app.db.powerRequest.count({ where: { vm: { orderId: { in: orders.map((o) => o.orderId) } }, status: { in: ["pending", "running"] } } });
}
