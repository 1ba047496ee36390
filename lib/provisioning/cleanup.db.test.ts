// Issue 12: failures that clean up after themselves. Names owned by the Vm row (no shared
// tunnels), compensation that retries each action until its resource is gone, a VMID released
// only after that, and the operator's email kept through a mail outage.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { retryCleanup } from "@/lib/orders/retry-cleanup";
import { retryProvisioning } from "@/lib/orders/retry-provisioning";
import { compensateProvisioning, type CompensationRunner, inlineRunner, operatorEmailKey } from "./compensate";
import { createTunnelAndDns } from "./create-tunnel-and-dns";
import {
  cloudflareSim,
  createPaidOrder,
  leftoversFor,
  NOTHING_LEFT,
  mailSim,
  proxmox,
  retireProvisioningFixtures,
  sim,
  tunnelNameOf,
} from "@/test/fixtures/provisioning";

afterEach(async () => {
  await proxmox.clearFaults();
  await cloudflareSim.clearFaults();
  await fetch(`${sim().mail}/_sim/faults`, { method: "DELETE" });
});
afterAll(retireProvisioningFixtures);

const execute = (orderId: string, attempt = 1) =>
  new InngestTestEngine({ function: provisionVmFunction, events: [{ name: "order/paid", data: { orderId, attempt } }] }).execute();

/** An EVE order whose start task failed: VM, tunnel, two DNS records and a snippet exist. */
async function failedAtStart() {
  const { order, user } = await createPaidOrder({ labType: "eve" });
  await proxmox.fault({ method: "POST", path: "/qemu/\\d+/status/start$", kind: "failTask", message: "injected start failure", times: 1 });
  const { error } = await execute(order.id);
  expect((error as Error).message).toMatch(/^start vm: /);
  const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
  return { order, user, vm, vmid: vm.vmid!, error: (error as Error).message };
}

/** Inline steps, pauses of 20 ms, and a look at the world at every pause. */
function watchingRunner(onPause: (name: string) => Promise<void>): CompensationRunner {
  const inline = inlineRunner(20);
  return { run: inline.run, sleep: async (name, ms) => (await onPause(name), inline.sleep(name, ms)) };
}

const nothingLeft = NOTHING_LEFT;

describe("names that cannot collide (I5, I8)", () => {
  it("I8: a VMID whose DNS delete keeps failing stays reserved (with its records) until they are gone; then all is released", async () => {
    const { order, vm, vmid, error } = await failedAtStart();
    // Three tries fail (the SDK itself retries each call twice).
    await cloudflareSim.fault({ path: "/zones/*/dns_records/*", method: "DELETE", status: 500, count: 9 });
    const seen: { reserved: boolean; vmid: number | null; cleanup: string | null }[] = [];
    const report = await compensateProvisioning(
      { orderId: order.id, attempt: 1, error },
      watchingRunner(async () => {
        const row = await db.order.findUniqueOrThrow({ where: { id: order.id }, include: { vm: true, reservation: true } });
        seen.push({ reserved: row.reservation?.vmid === vmid, vmid: row.vm!.vmid, cleanup: row.cleanupStatus });
      }),
    );
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // While DNS could not be removed: the VMID stayed this order's, and the order said so.
    expect(seen.every((s) => s.reserved && s.vmid === vmid && s.cleanup === "in_progress")).toBe(true);
    expect(report.cleanup.every((c) => c.ok)).toBe(true);
    expect(await leftoversFor(vmid, vm.id)).toEqual(nothingLeft);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "failed", cleanupStatus: "done", cleanupRemaining: null });
  });

  it("I5: a stale tunnel id on the row (another VM's tunnel) is neither reused nor rewritten, and cleanup never deletes it", async () => {
    const other = await createPaidOrder();
    expect((await execute(other.order.id)).error).toBeUndefined();
    const otherVm = await db.vm.findUniqueOrThrow({ where: { orderId: other.order.id } });
    const otherIngress = (await cloudflareSim.state()).tunnels.find((t) => t.id === otherVm.tunnelId)!.configuration;

    const { order, vm, vmid, error } = await failedAtStart();
    // A stale id (as an earlier attempt or a lost write could leave it) pointing at the other VM's tunnel.
    await db.vm.update({ where: { id: vm.id }, data: { tunnelId: otherVm.tunnelId, sshDnsRecordId: null } });
    const { tunnelId } = await createTunnelAndDns(order.id);
    expect(tunnelId).not.toBe(otherVm.tunnelId);
    const { tunnels, dns_records } = await cloudflareSim.state();
    expect(tunnels.find((t) => t.id === tunnelId)?.name).toBe(tunnelNameOf(vm.id));
    expect(tunnels.find((t) => t.id === otherVm.tunnelId)?.configuration).toEqual(otherIngress);
    // Its own record exists and points at its own tunnel, though the row had no record id.
    expect(dns_records.filter((r) => r.name === vm.sshHostname).map((r) => r.content)).toEqual([`${tunnelId}.cfargotunnel.com`]);

    await db.vm.update({ where: { id: vm.id }, data: { tunnelId: otherVm.tunnelId } });
    await compensateProvisioning({ orderId: order.id, attempt: 1, error }, inlineRunner(20));
    const otherTunnel = (await cloudflareSim.state()).tunnels.find((t) => t.id === otherVm.tunnelId)!;
    expect(otherTunnel.deleted_at).toBeNull();
    expect((await cloudflareSim.state()).dns_records.filter((r) => r.content === `${otherVm.tunnelId}.cfargotunnel.com`)).toHaveLength(1);
    expect(await leftoversFor(vmid, vm.id)).toEqual(nothingLeft);
  });

  it("I8: the operator's retry starts clean: a new VMID, its own tunnel and records, no id of the failed attempt", async () => {
    const { order, vm, vmid, error } = await failedAtStart();
    const failedTunnel = vm.tunnelId;
    await compensateProvisioning({ orderId: order.id, attempt: 1, error }, inlineRunner(20));
    const operator = await db.user.create({ data: { email: `ops.${order.id}@example.test`, name: "Ops", passwordHash: "x", role: "admin" } });
    await retryProvisioning({ orderId: order.id, adminId: operator.id });
    expect((await execute(order.id, 2)).error).toBeUndefined();
    const done = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(done.tunnelId).not.toBe(failedTunnel);
    const { dns_records } = await cloudflareSim.state();
    expect(dns_records.find((r) => r.name === done.sshHostname)?.content).toBe(`${done.tunnelId}.cfargotunnel.com`);
    expect(dns_records.find((r) => r.name === done.webHostname)?.content).toBe(`${done.tunnelId}.cfargotunnel.com`);
    // The host label is the VM's for life: the retry publishes the same names, never the VMID's.
    expect(done.hostLabel).toBe(vm.hostLabel);
    expect(done.sshHostname).toBe(`ssh-${vm.hostLabel}.${env().BASE_DOMAIN}`);
    expect(dns_records.filter((r) => r.name === `ssh-${vmid}.${env().BASE_DOMAIN}` || r.name === `ssh-${done.vmid}.${env().BASE_DOMAIN}`)).toEqual([]);
  });
});

describe("compensation that finishes (I8)", () => {
  it("I8: a destroy refused by a backup lock for longer than any in-step backoff is tried again until the VM is gone", async () => {
    const { order, vm, vmid, error } = await failedAtStart();
    // Eight refusals: more than one try's in-step lock backoff (5 retries) absorbs.
    const lock = await proxmox.fault({ method: "DELETE", path: `/qemu/${vmid}$`, kind: "lock", lock: "backup", times: 8 });
    const pauses: string[] = [];
    const report = await compensateProvisioning(
      { orderId: order.id, attempt: 1, error },
      watchingRunner(async (name) => void pauses.push(name)),
    );
    expect(lock.id).toBeGreaterThan(0);
    expect(pauses).toContain("pause before destroy vm 2");
    expect(report.cleanup.find((c) => c.action === "destroy vm")).toMatchObject({ ok: true, detail: `destroyed VM ${vmid} on pve1` });
    expect(await leftoversFor(vmid, vm.id)).toEqual(nothingLeft);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ cleanupStatus: "done" });
  });

  it("I8: past the cleanup deadline the order is an operator finding with what remains; the VMID is kept; retry is refused", async () => {
    const { order, vm, vmid, error } = await failedAtStart();
    await cloudflareSim.fault({ path: "/zones/*/dns_records/*", method: "DELETE", status: 500, count: 1000 });
    const runner = watchingRunner(async () => {
      // The deadline (CLEANUP_DEADLINE_HOURS) passes while DNS stays down.
      await db.order.update({ where: { id: order.id }, data: { cleanupDeadlineAt: new Date(Date.now() - 1000) } });
    });
    const report = await compensateProvisioning({ orderId: order.id, attempt: 1, error }, runner);
    expect(report.overdue).toBe(true);
    const row = await db.order.findUniqueOrThrow({ where: { id: order.id }, include: { reservation: true } });
    expect(row).toMatchObject({ status: "failed", cleanupStatus: "overdue" });
    expect(row.cleanupRemaining).toMatch(/^delete tunnel and dns: FAILED/);
    expect(row.reservation?.vmid).toBe(vmid); // not back in the pool while its records exist
    expect((await leftoversFor(vmid, vm.id)).records).toHaveLength(2);
    const operator = await db.user.create({ data: { email: `ops.${order.id}@example.test`, name: "Ops", passwordHash: "x", role: "admin" } });
    await expect(retryProvisioning({ orderId: order.id, adminId: operator.id })).rejects.toThrow(/Cleanup of the failed attempt did not finish/);
    const mail = (await mailSim.messages(env().OPERATOR_EMAIL)).filter((m) => m.subject.includes(order.id));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text).toContain("delete tunnel and dns: FAILED");

    // Cloudflare is back; the operator retries the cleanup: it finishes, and only then may provisioning be retried.
    await cloudflareSim.clearFaults();
    await retryCleanup({ orderId: order.id, adminId: operator.id });
    await expect(retryCleanup({ orderId: order.id, adminId: operator.id })).rejects.toThrow(/whose cleanup is overdue/);
    const sent = await fetch(`${sim().inngest}/_sim/events`).then((r) => r.json() as Promise<unknown>);
    expect(JSON.stringify(sent)).toContain(`order-cleanup-${order.id}-1-`);
    const again = await compensateProvisioning({ orderId: order.id, attempt: 1, error: "start vm: VM start failed: injected start failure" }, inlineRunner(20));
    expect(again).toMatchObject({ outcome: "compensated", overdue: false });
    expect(await leftoversFor(vmid, vm.id)).toEqual(nothingLeft);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ cleanupStatus: "done", cleanupRemaining: null });
    expect(await db.auditEvent.count({ where: { subjectId: order.id, action: "order.cleanup_retry_requested", actorId: operator.id } })).toBe(1);
    await retryProvisioning({ orderId: order.id, adminId: operator.id });
  });

  it("I8: a mail outage delays the operator's email but does not lose it (outbox, retried)", async () => {
    const { order, error } = await failedAtStart();
    await fetch(`${sim().mail}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/emails", method: "POST", status: 503, count: 4 }),
    });
    const pauses: string[] = [];
    await compensateProvisioning(
      { orderId: order.id, attempt: 1, error },
      watchingRunner(async (name) => void pauses.push(name)),
    );
    expect(pauses.filter((p) => p.startsWith("pause before send operator email")).length).toBeGreaterThanOrEqual(1);
    expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: operatorEmailKey(order.id, 1) } })).toMatchObject({ status: "sent" });
    expect((await mailSim.messages(env().OPERATOR_EMAIL)).filter((m) => m.subject.includes(order.id))).toHaveLength(1);
  });
});
