// The guests' RRD statistics as PVE serves them (rrd.ts names the sources): shapes and steps per
// PVE version, values only while running, the parameter checks and the VM.Audit privilege.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./cluster";
import { RrdRecorder } from "./rrd";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;

function clusterWithVm() {
  const cluster = new Cluster([{ name: "pve1", cores: 8, memoryBytes: 64 * 1024 ** 3, diskBytes: 1024 ** 4 }], [{ vmid: 9000, name: "tpl", node: "pve1" }]);
  const vm = cluster.add({ vmid: 120, node: "pve1", config: { name: "lab", cores: 2, sockets: 1, memory: 4096, scsi0: "local-lvm:vm-120-disk-0,size=40G" } });
  return { cluster, vm };
}

/** Samples every 10 s from `from` to `to` (ms), like pvestatd. */
function sampleEvery10s(rrd: RrdRecorder, cluster: Cluster, from: number, to: number) {
  for (let t = from; t <= to; t += 10_000) rrd.sample(cluster, t);
}

describe("RrdRecorder (pvestatd + create_rrd_data)", () => {
  it("hour: 60 steps of 60 s; values while running, only the maxima while stopped, only `time` before the first sample", () => {
    const { cluster, vm } = clusterWithVm();
    const rrd = new RrdRecorder();
    Object.assign(vm, { status: "running", qmpstatus: "running" });
    sampleEvery10s(rrd, cluster, T0, T0 + 20 * MIN);
    Object.assign(vm, { status: "stopped", qmpstatus: "stopped" });
    sampleEvery10s(rrd, cluster, T0 + 20 * MIN + 10_000, T0 + 40 * MIN);
    const rows = rrd.data(120, "hour", "AVERAGE", 9, T0 + 40 * MIN)!;
    expect(rows).toHaveLength(60);
    expect(rows.map((r) => r.time - rows[0].time).slice(0, 3)).toEqual([0, 60, 120]);
    expect(rows.at(-1)!.time).toBe((T0 + 40 * MIN) / 1000);
    const before = rows.filter((r) => r.time * 1000 < T0 - MIN);
    expect(before.length).toBeGreaterThan(15);
    expect(before.every((r) => Object.keys(r).join() === "time")).toBe(true);
    const running = rows.find((r) => r.time * 1000 === T0 + 10 * MIN)!;
    expect(running).toMatchObject({ maxcpu: 2, maxmem: 4096 * 1024 * 1024, maxdisk: 40 * 1024 ** 3 });
    expect(running.cpu).toBeGreaterThan(0);
    expect(running.cpu).toBeLessThanOrEqual(1);
    expect(running.mem).toBeGreaterThan(0);
    expect(running.mem).toBeLessThan(running.maxmem);
    for (const key of ["netin", "netout", "diskread", "diskwrite", "memhost", "pressurecpusome"]) expect(running[key]).toBeGreaterThanOrEqual(0);
    const stopped = rows.find((r) => r.time * 1000 === T0 + 30 * MIN)!;
    expect(stopped).toEqual({ time: stopped.time, maxcpu: 2, maxmem: 4096 * 1024 * 1024, maxdisk: 40 * 1024 ** 3, disk: 0 });
  });

  it("day and week steps differ between PVE 9 (pve-vm-9.0) and PVE 8 (pve2-vm); a series is the same on every read", () => {
    const { vm } = clusterWithVm();
    const rrd = new RrdRecorder();
    Object.assign(vm, { status: "running" });
    rrd.backfill(vm, 8 * 24 * 3600, T0);
    const step = (rows: Array<Record<string, number>>) => rows[1].time - rows[0].time;
    expect(rrd.data(120, "day", "AVERAGE", 9, T0)!).toHaveLength(1440);
    expect(step(rrd.data(120, "day", "AVERAGE", 9, T0)!)).toBe(60);
    expect(rrd.data(120, "week", "AVERAGE", 9, T0)!).toHaveLength(336);
    expect(step(rrd.data(120, "week", "AVERAGE", 9, T0)!)).toBe(1800);
    expect(rrd.data(120, "day", "AVERAGE", 8, T0)!).toHaveLength(70);
    expect(step(rrd.data(120, "week", "AVERAGE", 8, T0)!)).toBe(10800);
    expect(rrd.data(120, "week", "AVERAGE", 8, T0)![0]).not.toHaveProperty("memhost");
    expect(rrd.data(120, "hour", "AVERAGE", 9, T0)).toEqual(rrd.data(120, "hour", "AVERAGE", 9, T0));
    const avg = rrd.data(120, "hour", "AVERAGE", 9, T0)!;
    const max = rrd.data(120, "hour", "MAX", 9, T0)!;
    expect(max.every((r, i) => r.netin >= avg[i].netin)).toBe(true);
    expect(rrd.data(121, "hour", "AVERAGE", 9, T0)).toBeNull();
  });
});

describe.each([8, 9] as const)("GET …/qemu/{vmid}/rrddata as PVE %i", (version) => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ pveVersion: version, nodes: [{ name: "pve1" }, { name: "pve2" }], templates: [{ vmid: 9000, name: "tpl", node: "pve1" }] });
    await cloneReady(t, 130);
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/start"));
  });
  afterAll(() => t.stop());

  it("answers rows with time and the guest's values, on any node (the RRD copy is cluster-wide)", async () => {
    expect(await control(t.sim, "POST", "/_sim/vms/130/rrd", { seconds: 3600 })).toMatchObject({ status: 200 });
    const rows = await t.api.call<Array<Record<string, number>>>("GET", "/nodes/pve1/qemu/130/rrddata", { timeframe: "hour", cf: "AVERAGE" });
    expect(rows.length).toBeGreaterThanOrEqual(59);
    expect(rows.at(-2)).toMatchObject({ maxcpu: 2, maxmem: 4096 * 1024 * 1024 });
    expect(typeof rows.at(-2)!.cpu).toBe("number");
    const elsewhere = await t.api.call<unknown[]>("GET", "/nodes/pve2/qemu/130/rrddata", { timeframe: "hour" });
    expect(elsewhere).toHaveLength(rows.length);
  });

  it("refuses a missing or unknown timeframe and cf with PVE's parameter errors; an unknown guest is an RRD error", async () => {
    expect(await t.api.request("GET", "/nodes/pve1/qemu/130/rrddata")).toMatchObject({
      status: 400,
      body: { errors: { timeframe: "property is missing and it is not optional" } },
    });
    expect(await t.api.request("GET", "/nodes/pve1/qemu/130/rrddata", { timeframe: "minute" })).toMatchObject({
      status: 400,
      body: { errors: { timeframe: "value 'minute' does not have a value in the enumeration 'hour, day, week, month, year'" } },
    });
    expect(await t.api.request("GET", "/nodes/pve1/qemu/130/rrddata", { timeframe: "hour", cf: "MIN" })).toMatchObject({ status: 400 });
    expect(await t.api.request("GET", "/nodes/pve1/qemu/130/rrddata", { timeframe: "hour", ds: "cpu" })).toMatchObject({ status: 400 });
    const file = version === 9 ? "pve-vm-9.0" : "pve2-vm";
    expect(await t.api.request("GET", "/nodes/pve1/qemu/4242/rrddata", { timeframe: "hour" })).toMatchObject({
      status: 500,
      reason: `RRD error: opening '/var/lib/rrdcached/db/${file}/4242': No such file or directory`,
    });
  });

  it("needs VM.Audit on the guest", async () => {
    await control(t.sim, "PUT", "/_sim/acl", { acl: [{ path: "/vms/130", privs: ["VM.PowerMgmt"] }] });
    try {
      expect(await t.api.request("GET", "/nodes/pve1/qemu/130/rrddata", { timeframe: "hour" })).toMatchObject({
        status: 403,
        reason: "Permission check failed (/vms/130, VM.Audit)",
      });
    } finally {
      await control(t.sim, "PUT", "/_sim/acl", { acl: null });
    }
  });

  it("follows the power state: a stopped guest's newest rows carry no cpu", async () => {
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/stop"));
    expect(await control(t.sim, "POST", "/_sim/vms/130/rrd", { seconds: 600 })).toMatchObject({ status: 200 });
    const rows = await t.api.call<Array<Record<string, number>>>("GET", "/nodes/pve1/qemu/130/rrddata", { timeframe: "hour" });
    const recent = rows.slice(-5);
    expect(recent.every((r) => r.cpu === undefined && r.maxmem === 4096 * 1024 * 1024)).toBe(true);
  });
});
