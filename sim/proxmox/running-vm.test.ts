// What real Proxmox does to a running VM (checked against qemu-server 9.2.6, see
// ../shared/reference/EXTERNAL_APIS.md "Checked 2026-12-07"): cores and (without memory hotplug)
// memory stay pending and GET config shows them as if applied; status/shutdown holds the config
// lock while it waits and ends with warnings or a timeout; an HA-managed VM's power calls return
// at once; memory below balloon is refused; start refuses more vCPUs than the node has.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

describe.each([8, 9] as const)("a running VM, PVE %i", (version) => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ pveVersion: version, nodes: [{ name: "pve1", cores: 16 }], taskDurationMs: 60, shortTaskDurationMs: 30 });
    t.sim.settings.guestSecondMs = 20;
    t.sim.settings.lockTimeoutMs = 300;
  });
  afterAll(() => t.stop());
  const vmPath = (vmid: number) => `/nodes/pve1/qemu/${vmid}`;
  const config = (vmid: number) => t.api.call<Record<string, string | number>>("GET", `${vmPath(vmid)}/config`);
  const status = (vmid: number) =>
    t.api.call<{ status: string; cpus: number; maxmem: number; ha: { managed: number } }>("GET", `${vmPath(vmid)}/status/current`);
  const power = async (vmid: number, action: string, params?: Record<string, string | number>) =>
    t.api.waitTask(await t.api.call<string>("POST", `${vmPath(vmid)}/status/${action}`, params), 10_000);

  it("cores and memory stay pending until a cold start; GET config shows them, status/current and GET pending do not", async () => {
    await cloneReady(t, 400);
    await power(400, "start");
    await t.api.call("PUT", `${vmPath(400)}/config`, { cores: 4, memory: 8192, name: "renamed" });
    expect(await config(400)).toMatchObject({ cores: 4, memory: 8192, name: "renamed" });
    expect((await t.api.call<Record<string, unknown>>("GET", `${vmPath(400)}/config`, { current: 1 })).cores).toBe(2);
    expect(await status(400)).toMatchObject({ cpus: 2, maxmem: 4096 * 1024 ** 2 });
    const pending = await t.api.call<Array<{ key: string; value?: unknown; pending?: unknown }>>("GET", `${vmPath(400)}/pending`);
    expect(pending.filter((p) => p.pending !== undefined)).toEqual([
      { key: "cores", value: 2, pending: 4 },
      { key: "memory", value: 4096, pending: 8192 },
    ]);
    // name is a fast-plug option: applied at once, nothing pending for it
    expect(pending.find((p) => p.key === "name")).toEqual({ key: "name", value: "renamed" });
    await power(400, "reset"); // a reset is not a restart of QEMU: still pending
    expect(await status(400)).toMatchObject({ cpus: 2 });
    await power(400, "stop");
    await power(400, "start");
    expect(await status(400)).toMatchObject({ cpus: 4, maxmem: 8192 * 1024 ** 2 });
    expect((await t.api.call<Array<{ pending?: unknown }>>("GET", `${vmPath(400)}/pending`)).filter((p) => p.pending !== undefined)).toEqual([]);
  });

  it("memory hot-plugs with hotplug=…,memory; a stopped VM takes every change at once", async () => {
    await cloneReady(t, 401);
    await t.api.call("PUT", `${vmPath(401)}/config`, { hotplug: "network,disk,usb,memory", cores: 3 });
    expect(await config(401)).toMatchObject({ cores: 3 });
    await power(401, "start");
    await t.api.call("PUT", `${vmPath(401)}/config`, { memory: 6144 });
    expect(await status(401)).toMatchObject({ maxmem: 6144 * 1024 ** 2 });
    expect(
      (await t.api.call<Array<{ key: string; pending?: unknown }>>("GET", `${vmPath(401)}/pending`)).some((p) => p.key === "memory" && p.pending !== undefined),
    ).toBe(false);
  });

  it("memory below balloon is refused synchronously; start refuses more vCPUs than the node has", async () => {
    await cloneReady(t, 402);
    await t.api.call("PUT", `${vmPath(402)}/config`, { balloon: 2048 });
    expect(await t.api.request("PUT", `${vmPath(402)}/config`, { memory: 1024 })).toMatchObject({
      status: 500,
      reason: "balloon value too large (must be smaller than assigned memory)",
    });
    expect((await config(402)).memory).toBe(4096);
    await t.api.call("PUT", `${vmPath(402)}/config`, { cores: 32 });
    expect((await power(402, "start")).exitstatus).toBe("MAX 16 vcpus allowed per VM on this node");
  });

  it("shutdown holds the config lock while the guest ignores ACPI, then fails on its timeout (or warns with forceStop)", async () => {
    await cloneReady(t, 403);
    await power(403, "start");
    await control(t.sim, "POST", "/_sim/vms/403/acpi", { ignores: true });
    const upid = await t.api.call<string>("POST", `${vmPath(403)}/status/shutdown`, { timeout: 20 }); // 20 guest seconds = 400 ms here
    // meanwhile a config write waits for the lock file, then gives up
    expect(await t.api.request("PUT", `${vmPath(403)}/config`, { name: "x" })).toMatchObject({
      status: 500,
      reason: "can't lock file '/var/lock/qemu-server/lock-403.conf' - got timeout",
    });
    expect(await t.api.waitTask(upid)).toMatchObject({ exitstatus: "VM quit/powerdown failed - got timeout" });
    expect((await status(403)).status).toBe("running");
    expect(await power(403, "shutdown", { timeout: 5, forceStop: 1 })).toMatchObject({ exitstatus: "WARNINGS: 1" });
    expect((await status(403)).status).toBe("stopped");
  });

  it("stop during a shutdown waits for its lock unless overrule-shutdown=1; a paused VM refuses a plain shutdown", async () => {
    await cloneReady(t, 404);
    await power(404, "start");
    await control(t.sim, "POST", "/_sim/vms/404/acpi", { ignores: true });
    const shutdown = await t.api.call<string>("POST", `${vmPath(404)}/status/shutdown`, { timeout: 30 });
    expect((await power(404, "stop")).exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-404.conf' - got timeout");
    expect((await power(404, "stop", { "overrule-shutdown": 1 })).exitstatus).toBe("OK");
    expect((await t.api.waitTask(shutdown)).exitstatus).toBe("interrupted by signal");
    await power(404, "start");
    await power(404, "suspend");
    expect(await t.api.request("POST", `${vmPath(404)}/status/shutdown`)).toMatchObject({ status: 500, reason: "VM is paused - cannot shutdown" });
    expect((await power(404, "shutdown", { forceStop: 1 })).exitstatus).toBe("WARNINGS: 1");
    // each action has its own parameters
    expect(await t.api.request("POST", `${vmPath(404)}/status/start`, { forceStop: 1 })).toMatchObject({ status: 400 });
  });

  it("an HA-managed VM's shutdown returns at once (hastop), before the VM stopped", async () => {
    await cloneReady(t, 405);
    await power(405, "start");
    await control(t.sim, "POST", "/_sim/vms/405/ha", { managed: true });
    const task = await power(405, "shutdown");
    expect(task).toMatchObject({ type: "hastop", exitstatus: "OK" });
    expect((await status(405)).status).toBe("running");
    expect((await status(405)).ha.managed).toBe(1);
    await expect.poll(async () => (await status(405)).status, { timeout: 2_000 }).toBe("stopped");
  });
});
