// The real function served over the Inngest HTTP protocol (inngest/node) and driven by the local
// executor (sim/inngest): retries, singleton, onFailure and the operator retry as they run in
// production, against the Proxmox, Cloudflare and mail stand-ins.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { createPaidOrder, leftoversFor, NOTHING_LEFT, mailSim, proxmox, retireProvisioningFixtures } from "@/test/fixtures/provisioning";
import { type InngestSimHandle, type RunView, startApp, startSim, type TestApp } from "@lab-vps/sim/testkit";

let sim: InngestSimHandle;
let app: TestApp;
let send: (orderId: string, attempt: number, id?: string) => Promise<unknown>;
let retryProvisioning: typeof import("@/lib/orders/retry-provisioning").retryProvisioning;
const sharedInngestDev = process.env.INNGEST_DEV;

beforeAll(async () => {
  // Real timing ÷ 1000: Inngest's retry table (15 s, 30 s, 1 m, …) becomes 15 ms, 30 ms, 60 ms, …
  // and a "3s" sleep 3 ms, every ratio kept; the executor checkpoints as the real one does.
  sim = await startSim({ timeScale: 0.001 });
  // The app's Inngest client reads INNGEST_DEV when it is created: point it at this executor and
  // load the app's modules afresh, so retryProvisioning's event reaches it too.
  process.env.INNGEST_DEV = sim.url;
  vi.resetModules();
  const { inngest } = await import("@/lib/jobs/client");
  const { orderPaid } = await import("@/lib/jobs/events");
  const { provisionVmFunction } = await import("@/inngest/functions/provision-vm");
  const { cleanupProvisioningFunction } = await import("@/inngest/functions/cleanup-provisioning");
  ({ retryProvisioning } = await import("@/lib/orders/retry-provisioning"));
  send = (orderId, attempt, id = `order-paid-${orderId}-${attempt}`) => inngest.send(orderPaid.create({ orderId, attempt }, { id }));
  app = await startApp(inngest, [provisionVmFunction, cleanupProvisioningFunction]);
  const [synced] = await sim.sync(app.url);
  expect(synced?.ok).toBe(true);
});

afterAll(async () => {
  process.env.INNGEST_DEV = sharedInngestDev; // the next test file in this worker uses the shared stand-in
  await proxmox.clearFaults();
  await app?.close();
  await sim?.close();
  await retireProvisioningFixtures();
});

const forOrder = (orderId: string) => (run: RunView) => {
  const data = run.event?.data as { orderId?: string; event?: { data?: { orderId?: string } } } | undefined;
  return data?.orderId === orderId || data?.event?.data?.orderId === orderId;
};
const finished = (run: RunView) => !["Queued", "Running"].includes(run.status);
const runsOf = (orderId: string) => sim.runs().filter(forOrder(orderId));

describe("provision vm through the Inngest protocol", () => {
  it("registers on order/paid with one step and one run per order, 5 retries, a failure handler, and a retrying cleanup function", () => {
    const fns = Object.fromEntries(sim.functions().map((f) => [f.id, f]));
    // The Proxmox limit is not an Inngest step limit any more: it is held by work slots (leases).
    expect(fns["lab-vps-provision-vm"]).toMatchObject({
      eventTriggers: [{ event: "order/paid" }],
      concurrency: [expect.objectContaining({ limit: 1, key: "event.data.orderId" })],
      singleton: { key: "event.data.orderId", mode: "skip" },
      retries: 5,
    });
    expect(fns["lab-vps-provision-vm-failure"]?.eventTriggers[0]?.event).toBe("inngest/function.failed");
    expect(fns["lab-vps-cleanup-provisioning"]).toMatchObject({
      eventTriggers: [{ event: "order/cleanup.requested" }],
      concurrency: [expect.objectContaining({ limit: 1, key: "event.data.orderId" })],
      retries: 10,
    });
  });

  it("I8: a start that keeps failing is retried, then onFailure compensates; the operator's retry provisions the VM", async () => {
    const { order, user } = await createPaidOrder({ labType: "eve" });
    await proxmox.fault({ method: "POST", path: "/qemu/\\d+/status/start$", kind: "failTask", message: "injected start failure" });
    await send(order.id, 1);

    const failed = await sim.waitForRun((r) => forOrder(order.id)(r) && r.functionId === "lab-vps-provision-vm" && finished(r), 60_000);
    expect(failed.status).toBe("Failed");
    expect(failed.error).toMatchObject({ message: expect.stringMatching(/^start vm: VM start failed: injected start failure/) });
    expect(failed.attempts).toBeGreaterThan(5); // the failing step ran 1 + 5 retries
    const handover = await sim.waitForRun((r) => forOrder(order.id)(r) && r.functionId === "lab-vps-provision-vm-failure" && finished(r), 60_000);
    expect(handover.status).toBe("Completed");
    const compensation = await sim.waitForRun((r) => forOrder(order.id)(r) && r.functionId === "lab-vps-cleanup-provisioning" && finished(r), 60_000);
    expect(compensation.status).toBe("Completed");
    expect(compensation.steps.map((s) => s.name)).toEqual([
      "decide compensation",
      "mark order failed",
      "queue customer build failed email",
      "destroy vm",
      "delete tunnel and dns",
      "delete access application",
      "delete cloud-init snippet",
      "remove vm firewall",
      "release network",
      "release vmid",
      "finish cleanup",
      "queue operator email",
      "send operator email",
    ]);

    const vmid = (compensation.output as { cleanup: { action: string; detail: string }[] }).cleanup
      .find((c) => c.action === "destroy vm")!
      .detail.match(/VM (\d+)/)![1]!;
    const vmRow = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(await leftoversFor(Number(vmid), vmRow.id)).toEqual(NOTHING_LEFT);
    const afterFailure = await db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(afterFailure).toMatchObject({
      status: "failed",
      customerMessage: expect.stringMatching(
        /^We could not build your VM yet\. We are retrying; if it cannot be built you are refunded in full by \d+ \w+ \d{4}\.$/,
      ),
      cleanupStatus: "done",
      cleanupRemaining: null,
    });
    expect(afterFailure.failureReason).toMatch(/^Attempt 1 failed: start vm: VM start failed: injected start failure/);
    expect((await mailSim.messages(env().OPERATOR_EMAIL)).filter((m) => m.subject.includes(order.id))).toHaveLength(1);

    await proxmox.clearFaults();
    const admin = await db.user.create({ data: { email: `ops.${order.id}@example.test`, name: "Ops", passwordHash: "x", role: "admin" } });
    await retryProvisioning({ orderId: order.id, adminId: admin.id });
    await retryProvisioning({ orderId: order.id, adminId: admin.id }).catch(() => undefined); // a double click
    const retried = await sim.waitForRun((r) => forOrder(order.id)(r) && r.functionId === "lab-vps-provision-vm" && r.id !== failed.id && finished(r), 60_000);
    expect(retried.status).toBe("Completed");
    await sim.waitForIdle(30_000);
    expect(runsOf(order.id).filter((r) => r.functionId === "lab-vps-provision-vm")).toHaveLength(2);
    const done = await db.order.findUniqueOrThrow({ where: { id: order.id }, include: { vm: true } });
    expect(done).toMatchObject({ status: "provisioned", provisionAttempts: 2 });
    expect((await proxmox.vm(done.vm!.vmid!))?.status).toBe("running");
    expect(await mailSim.messages(user.email)).toHaveLength(1);
  });

  it("I3, I8: a mail outage when the VM is ready delays the ready email but does not lose it", async () => {
    const { order, user } = await createPaidOrder();
    const mailFaults = `${process.env.RESEND_BASE_URL!.replace(/\/$/, "")}/_sim/faults`;
    await fetch(mailFaults, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/emails", method: "POST", status: 503, count: 2 }),
    });
    try {
      await send(order.id, 1);
      const run = await sim.waitForRun((r) => forOrder(order.id)(r) && r.functionId === "lab-vps-provision-vm" && finished(r), 60_000);
      expect(run.status).toBe("Completed");
      expect(run.steps.map((s) => s.name).filter((n) => /ready email/.test(n))).toEqual([
        "queue ready email",
        "send ready email",
        "pause before send ready email 2",
        "send ready email 2",
        "pause before send ready email 3",
        "send ready email 3",
      ]);
      expect(await mailSim.messages(user.email)).toHaveLength(1);
      const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
      expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: `vm-ready:${vm.id}` } })).toMatchObject({ status: "sent", attempts: 3 });
    } finally {
      await fetch(mailFaults, { method: "DELETE" });
    }
  }, 90_000);

  it("I3: with checkpointing (the SDK runs several steps per request, as on real Inngest), duplicate and concurrent order/paid events for one order make one VM and one email", async () => {
    const { order, user } = await createPaidOrder();
    const checkpointsBefore = sim.checkpoints();
    const started = Date.now();
    await Promise.all([send(order.id, 1), send(order.id, 1), send(order.id, 1, `replayed-${order.id}`), send(order.id, 2, `stale-${order.id}`)]);
    await sim.waitForRun((r) => forOrder(order.id)(r) && r.status === "Completed" && !!(r.output as { vmId?: string } | null)?.vmId, 60_000);
    const elapsed = Date.now() - started;
    await sim.waitForIdle(30_000);
    const runs = runsOf(order.id);
    expect(runs.every((r) => r.status === "Completed")).toBe(true);
    expect(runs.filter((r) => (r.output as { vmId?: string } | null)?.vmId)).toHaveLength(1);
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(vm.status).toBe("running");
    expect(await mailSim.messages(user.email)).toHaveLength(1);
    // The provisioning steps went through /v1/checkpoint, not one request each.
    const provisioned = runs.find((r) => (r.output as { vmId?: string } | null)?.vmId)!;
    expect(sim.checkpoints() - checkpointsBefore).toBeGreaterThanOrEqual(5);
    expect(provisioned.attempts).toBeLessThan(provisioned.steps.length);
    console.info(
      `order/paid → VM running and ready email sent: ${elapsed} ms (Proxmox stand-in, 20 ms clone tasks); ${provisioned.steps.length} steps in ${provisioned.attempts} requests, ${sim.checkpoints() - checkpointsBefore} checkpoints`,
    );
  });
});
