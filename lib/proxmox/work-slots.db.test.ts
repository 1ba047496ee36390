// Issue 12: a limit on Proxmox work, not on steps. Slots are leases in the database, held from the
// request that starts a task to the end of that task, and free again when their holder dies.
import { InngestTestEngine } from "@inngest/test";
import fs from "node:fs";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { createPaidOrder, retireProvisioningFixtures, sim } from "@/test/fixtures/provisioning";
import { acquireProxmoxSlot, ProxmoxBusyError, recordSlotTask, releaseProxmoxSlot } from "./work-slots";
import { cloneVm, deleteVm } from "./api";
import { pollTask } from "./tasks";

// Before anything reads the environment (lib/env.ts caches it): a small limit to prove.
vi.hoisted(() => {
  process.env.PROVISION_CONCURRENCY = "2";
});

let agent: Agent | undefined;
async function control<T>(path: string, body?: unknown): Promise<T> {
  agent ??= new Agent({ connect: { ca: fs.readFileSync(env().PROXMOX_CA_CERT_FILE, "utf8") } });
  const response = await fetch(`${sim().proxmox}/_sim${path}`, {
    method: body === undefined ? "GET" : "POST",
    dispatcher: agent,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as T;
}

// This file measures the budget itself: it starts from an empty lease table (test files run one at
// a time, so any lease still here is one an earlier file's failed step left to expire).
beforeAll(() => db.proxmoxLease.deleteMany());
afterAll(async () => {
  await control("/settings", { taskDurationMs: 20, shortTaskDurationMs: 20 });
  await db.proxmoxLease.deleteMany({ where: { holder: { startsWith: "test:" } } });
  await retireProvisioningFixtures();
});

describe("Proxmox work slots", () => {
  it("I8: many orders with slow Proxmox tasks never have more than PROVISION_CONCURRENCY tasks in flight, and all finish", async () => {
    expect(env().PROVISION_CONCURRENCY).toBe(2);
    const before = await control<{ taskDurationMs: number; shortTaskDurationMs: number }>("/settings");
    await control("/settings", { taskDurationMs: 700, shortTaskDurationMs: 300 });
    try {
      const orders = await Promise.all(Array.from({ length: 6 }, () => createPaidOrder()));
      await control("/inflight/reset", {});
      const runs = await Promise.all(
        orders.map(({ order }) =>
          new InngestTestEngine({ function: provisionVmFunction, events: [{ name: "order/paid", data: { orderId: order.id, attempt: 1 } }] }).execute(),
        ),
      );
      // The stand-in counts every write request and every task from its POST to its end.
      const inflight = await control<{ current: number; max: number }>("/inflight");
      console.info(`6 orders, limit 2: Proxmox in-flight maximum ${inflight.max}`);
      expect(runs.map((r) => r.error)).toEqual(orders.map(() => undefined));
      expect(inflight.max).toBeLessThanOrEqual(2);
      expect(inflight.max).toBe(2); // and the budget was used, not serialised to one
      const statuses = await db.order.findMany({ where: { id: { in: orders.map((o) => o.order.id) } }, select: { status: true } });
      expect(statuses.every((s) => s.status === "provisioned")).toBe(true);
      const vms = await db.vm.findMany({ where: { orderId: { in: orders.map((o) => o.order.id) } }, select: { id: true } });
      expect(await db.proxmoxLease.count({ where: { OR: vms.map((vm) => ({ holder: { startsWith: `vm:${vm.id}:` } })) } })).toBe(0); // every slot given back
    } finally {
      await control("/settings", before);
    }
  }, 180_000);

  it("I8: a full budget makes the next holder wait; a holder that died (lease expired) frees its slot; one holder holds one slot", async () => {
    await acquireProxmoxSlot("test:a");
    await acquireProxmoxSlot("test:b");
    const again = await acquireProxmoxSlot("test:a"); // the same holder renews, it does not take a second slot
    expect(await db.proxmoxLease.count({ where: { holder: { startsWith: "test:" } } })).toBe(2);
    await expect(acquireProxmoxSlot("test:c", { waitMs: 300 })).rejects.toBeInstanceOf(ProxmoxBusyError);
    // "test:b"'s holder stops renewing: once its lease expires, its slot is anyone's.
    await db.proxmoxLease.update({ where: { holder: "test:b" }, data: { expiresAt: new Date(Date.now() - 1) } });
    const c = await acquireProxmoxSlot("test:c", { waitMs: 300 });
    expect(c.slot).not.toBe(again.slot);
    expect((await db.proxmoxLease.findMany({ where: { holder: { startsWith: "test:" } }, orderBy: { slot: "asc" } })).map((l) => l.holder).sort()).toEqual([
      "test:a",
      "test:c",
    ]);
    for (const holder of ["test:a", "test:c"]) await releaseProxmoxSlot(holder);
  });

  it("I8: a lapsed lease is never handed out while its task still runs (Inngest's retry gaps outlast the TTL); its holder resumes it; a stopped task frees it", async () => {
    const before = await control<{ taskDurationMs: number }>("/settings");
    await control("/settings", { taskDurationMs: 1_500 });
    const newid = 8_990;
    try {
      await acquireProxmoxSlot("test:clone");
      const upid = await cloneVm("pve1", 9000, { newid, name: "lease-lapse" });
      await recordSlotTask("test:clone", upid);
      await acquireProxmoxSlot("test:other");
      // The clone's step failed and Inngest waits 15 s – 2 h before the next attempt: the lease lapses.
      const lapse = () => db.proxmoxLease.update({ where: { holder: "test:clone" }, data: { expiresAt: new Date(Date.now() - 1) } });
      await lapse();
      await expect(acquireProxmoxSlot("test:third", { waitMs: 300 })).rejects.toBeInstanceOf(ProxmoxBusyError);
      // Proxmox said the task runs: the lease was renewed on its behalf, the holder still named.
      const held = await db.proxmoxLease.findUniqueOrThrow({ where: { holder: "test:clone" } });
      expect(held.expiresAt.getTime()).toBeGreaterThan(Date.now());
      // The holder's next attempt, however late, resumes its own lease and finds its task's UPID.
      await lapse();
      expect(await acquireProxmoxSlot("test:clone")).toEqual({ slot: held.slot, upid });
      // Once the task stopped, a lapsed lease frees its slot for the next taker.
      expect((await pollTask(upid, Date.now() + 10_000))?.status).toBe("stopped");
      await lapse();
      const third = await acquireProxmoxSlot("test:third", { waitMs: 300 });
      expect(third.slot).toBe(held.slot);
      expect(await db.proxmoxLease.findUnique({ where: { holder: "test:clone" } })).toBeNull();
    } finally {
      for (const holder of ["test:clone", "test:other", "test:third"]) await releaseProxmoxSlot(holder);
      await control("/settings", before);
      const gone = await deleteVm("pve1", newid).catch(() => null);
      if (gone) await pollTask(gone, Date.now() + 10_000);
    }
  });

  it("I8: concurrent takers never share a slot or exceed the limit", async () => {
    const holders = Array.from({ length: 8 }, (_, i) => `test:race-${i}`);
    const settled = await Promise.allSettled(holders.map((h) => acquireProxmoxSlot(h, { waitMs: 200 })));
    const won = settled.filter((s): s is PromiseFulfilledResult<{ slot: number; upid: string | null }> => s.status === "fulfilled").map((s) => s.value.slot);
    expect(won.length).toBe(2);
    expect(new Set(won).size).toBe(2);
    await db.proxmoxLease.deleteMany({ where: { holder: { startsWith: "test:race-" } } });
  });
});
