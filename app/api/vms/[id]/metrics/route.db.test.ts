// The graphs' route against the Proxmox stand-in (a real clone with its RRD history): one rrddata
// read per VM and timeframe within the cache window, the owner only, numbers only.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { cloneVm, deleteVm, vmPower } from "@/lib/proxmox/api";
import { waitForTaskOk } from "@/lib/proxmox/tasks";
import { createMetricsReader, MAX_POINTS, METRICS_CACHE_MS } from "@/lib/metrics/vm-metrics";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { proxmox } from "@/test/fixtures/provisioning";
import { createUser, createVmFixture, uniqueVmid } from "@/test/fixtures/vm";
import { GET } from "./route";

const call = (id: string, query = "") => GET(new Request(`http://app.test/api/vms/${id}/metrics${query}`), { params: Promise.resolve({ id }) });

let vmid: number;
let owned: Awaited<ReturnType<typeof createVmFixture>>;
beforeAll(async () => {
  vmid = uniqueVmid();
  await waitForTaskOk(await cloneVm("pve1", 9000, { newid: vmid, name: `metrics-${vmid}` }), "clone", 30_000);
  await waitForTaskOk(await vmPower("pve1", vmid, "start"), "start", 30_000);
  await proxmox.rrdBackfill(vmid, 7 * 24 * 3600);
  owned = await createVmFixture({ vmid, nodeName: "pve1" });
});
afterAll(async () => {
  await waitForTaskOk(await vmPower("pve1", vmid, "stop"), "stop", 30_000);
  await waitForTaskOk(await deleteVm("pve1", vmid), "destroy", 30_000);
});
beforeEach(() => {
  session.userId = null;
});

/** rrddata requests for this guest since `mark`, by timeframe. */
async function rrdReads(since: number) {
  const log = await proxmox.requests(since);
  return log.filter((r) => r.path.endsWith(`/qemu/${vmid}/rrddata`)).map((r) => r.params.timeframe);
}

describe("GET /api/vms/[id]/metrics", () => {
  it("I2: reads rrddata once per VM and timeframe within the cache window, however many ask at once", async () => {
    const { userId, vm } = owned;
    session.userId = userId;
    const since = await proxmox.mark();
    const answers = await Promise.all([call(vm.id), call(vm.id, "?timeframe=hour"), call(vm.id, "?timeframe=hour")]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await call(vm.id, "?timeframe=hour")).toHaveProperty("status", 200);
    expect(await rrdReads(since)).toEqual(["hour"]);
    expect((await call(vm.id, "?timeframe=day")).status).toBe(200);
    expect((await call(vm.id, "?timeframe=week")).status).toBe(200);
    expect((await call(vm.id, "?timeframe=day")).status).toBe(200);
    expect(await rrdReads(since)).toEqual(["hour", "day", "week"]);
    const body = await (await call(vm.id, "?timeframe=day")).json();
    expect(body.points.length).toBeGreaterThan(0);
    expect(body.points.length).toBeLessThanOrEqual(MAX_POINTS);
  });

  it("I2: once the window has passed the next read asks Proxmox again (one more request, not one per caller)", async () => {
    const { userId, vm } = owned;
    let clock = Date.now();
    const reader = createMetricsReader({ now: () => clock });
    const since = await proxmox.mark();
    await Promise.all([reader.read(userId, vm.id, "hour"), reader.read(userId, vm.id, "hour")]);
    clock += METRICS_CACHE_MS - 1;
    await reader.read(userId, vm.id, "hour");
    expect(await rrdReads(since)).toEqual(["hour"]);
    clock += 2;
    await Promise.all([reader.read(userId, vm.id, "hour"), reader.read(userId, vm.id, "hour")]);
    expect(await rrdReads(since)).toEqual(["hour", "hour"]);
  });

  it("I5: another user and an unknown id get the same 404, a signed-out visitor a 401, and nothing is read", async () => {
    const { vm } = owned;
    const stranger = await createUser();
    const since = await proxmox.mark();
    session.userId = stranger.id;
    const other = await call(vm.id);
    expect(other.status).toBe(404);
    expect(other.headers.get("cache-control")).toBe("no-store");
    session.userId = null;
    expect((await call(vm.id)).status).toBe(401);
    session.userId = stranger.id;
    expect((await call("no-such-vm")).status).toBe(404);
    expect(await rrdReads(since)).toEqual([]);
  });

  it("I10: an unknown timeframe is a 400 with the field's message", async () => {
    const { userId, vm } = owned;
    session.userId = userId;
    const response = await call(vm.id, "?timeframe=year");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ fieldErrors: { timeframe: "Choose hour, day or week." } });
  });

  it("I4: the payload is numbers on a time axis: no node name, VMID, Proxmox field name or address", async () => {
    const { userId, vm } = owned;
    session.userId = userId;
    const response = await call(vm.id, "?timeframe=hour");
    const text = await response.text();
    const body = JSON.parse(text);
    expect(Object.keys(body).sort()).toEqual(["points", "stepSeconds", "timeframe"]);
    for (const point of body.points) {
      expect(Object.keys(point).sort()).toEqual(["cpu", "diskRead", "diskWrite", "memTotal", "memUsed", "netIn", "netOut", "t"]);
      for (const value of Object.values(point)) expect(value === null || typeof value === "number").toBe(true);
    }
    const running = body.points.filter((p: { cpu: number | null }) => p.cpu !== null);
    expect(running.length).toBeGreaterThan(30);
    expect(running.every((p: { cpu: number }) => p.cpu >= 0 && p.cpu <= 100)).toBe(true);
    expect(text).not.toMatch(/pve1|pve2|node|maxmem|"netin"|"mem"|"cpus"|rrd|qemu/);
    expect(findHypervisorLeaks(text, { nodeNames: ["pve1", "pve2"] })).toEqual([]);
  });

  it("a Proxmox failure is a plain 503 (no upstream text), remembered briefly", async () => {
    const { userId, vm } = owned;
    const reader = createMetricsReader({ fetchRrd: async () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:8006")) });
    await expect(reader.read(userId, vm.id, "week")).rejects.toMatchObject({
      status: 503,
      message: "Graphs are not available right now. Please try again in a minute.",
    });
  });
});
