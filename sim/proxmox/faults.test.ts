import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim({ taskDurationMs: 200, shortTaskDurationMs: 20 });
  await cloneReady(t, 150);
});
afterAll(() => t.stop());
afterEach(() => t.sim.clearFaults());

const put = (params: Record<string, string | number>) => t.api.request("PUT", "/nodes/pve1/qemu/150/config", params);
const clone = (newid: number) => t.api.call<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid, name: `f-${newid}`, full: 1 });

describe("fault injection", () => {
  it("lock answers like a locked VM, for `times` calls only", async () => {
    const fault = t.sim.setFault({ method: "PUT", path: "/qemu/\\d+/config$", kind: "lock", times: 1 });
    expect(await put({ cores: 3 })).toMatchObject({ status: 500, reason: "VM is locked (backup)", body: { message: "VM is locked (backup)\n" } });
    expect((await put({ cores: 3 })).status).toBe(200);
    expect(t.sim.faults().find((f) => f.id === fault.id)).toMatchObject({ hits: 1, remaining: 0 });
  });

  it("forMs keeps a fault active for that long from its first hit, however often it is called, then spends it", async () => {
    const fault = t.sim.setFault({ method: "PUT", path: "/qemu/150/config$", kind: "lock", forMs: 300 });
    expect((await put({ cores: 3 })).status).toBe(500); // the first hit starts the clock
    await new Promise((r) => setTimeout(r, 150));
    for (let i = 0; i < 3; i++) expect(await put({ cores: 3 })).toMatchObject({ status: 500, reason: "VM is locked (backup)" });
    await new Promise((r) => setTimeout(r, 200));
    expect((await put({ cores: 3 })).status).toBe(200);
    expect(t.sim.faults().find((f) => f.id === fault.id)).toMatchObject({ hits: 4, activeUntil: expect.any(Number) });
    expect(() => t.sim.setFault({ path: "x", kind: "lock", forMs: -1 })).toThrow(/forMs/);
  });

  it("configLock answers the config-file lock timeout", async () => {
    t.sim.setFault({ path: "/qemu/150/config$", kind: "configLock", times: 1 });
    expect(await put({ cores: 3 })).toMatchObject({ status: 500, reason: "can't lock file '/var/lock/qemu-server/lock-150.conf' - got timeout" });
  });

  it("http500 answers the given message; method filters", async () => {
    t.sim.setFault({ method: "POST", path: "/clone$", kind: "http500", message: "storage 'local-lvm' is busy" });
    expect((await put({ cores: 3 })).status).toBe(200);
    expect(await t.api.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 151 })).toMatchObject({ status: 500, reason: "storage 'local-lvm' is busy" });
    expect(t.sim.vm(151)).toBeUndefined();
  });

  it("slowTask stretches the task; failTask ends it with the error and undoes the clone", async () => {
    t.sim.setFault({ path: "/clone$", kind: "slowTask", ms: 250, times: 1 });
    const slow = await clone(152);
    await new Promise((r) => setTimeout(r, 150));
    expect(t.sim.tasks().find((x) => x.upid === slow)?.status).toBe("running");
    expect((await t.api.waitTask(slow)).exitstatus).toBe("OK");

    t.sim.setFault({ path: "/clone$", kind: "failTask", message: "clone failed: out of space", times: 1 });
    const failing = await clone(153);
    expect(t.sim.vm(153)?.lock).toBe("clone");
    expect((await t.api.waitTask(failing)).exitstatus).toBe("clone failed: out of space");
    expect(t.sim.vm(153)).toBeUndefined();
  });

  it("delay answers late; timeout never answers and counts as in flight until the client gives up", async () => {
    t.sim.setFault({ path: "/version$", kind: "delay", ms: 200, times: 1 });
    const started = Date.now();
    await t.api.call("GET", "/version");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);

    t.sim.setFault({ method: "POST", path: "/status/start$", kind: "timeout", times: 1 });
    const abort = new AbortController();
    const pending = t.api.request("POST", "/nodes/pve1/qemu/150/status/start", {}, { signal: abort.signal });
    const outcome = await Promise.race([
      pending.then(
        () => "answered",
        () => "failed",
      ),
      new Promise((r) => setTimeout(() => r("still waiting"), 300)),
    ]);
    expect(outcome).toBe("still waiting");
    expect(t.sim.inFlight()).toBe(1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sim.inFlight()).toBe(0);
    expect(t.sim.vm(150)?.status).toBe("stopped");
  });
});

describe("concurrency counter and request log", () => {
  it("counts mutating requests and running tasks, and remembers the maximum", async () => {
    t.sim.resetConcurrency();
    expect(t.sim.maxConcurrent()).toBe(0);
    t.sim.settings.taskDurationMs = 500;
    const upids = await Promise.all([160, 161, 162, 163, 164].map(clone));
    t.sim.settings.taskDurationMs = 200;
    expect(t.sim.inFlight()).toBe(5);
    await Promise.all(upids.map((u) => t.api.waitTask(u)));
    expect(t.sim.inFlight()).toBe(0);
    expect(t.sim.maxConcurrent()).toBe(5);
    t.sim.resetConcurrency();
    expect(t.sim.maxConcurrent()).toBe(0);
  });

  it("logs method, path, masked params and status", async () => {
    t.sim.clearRequestLog();
    await put({ cipassword: "s3cret-pass", ciuser: "lab" });
    await t.api.request("GET", "/nodes/pve1/qemu/999/config");
    const log = t.sim.requestLog();
    expect(log).toEqual([
      expect.objectContaining({
        kind: "api",
        method: "PUT",
        path: "/nodes/pve1/qemu/150/config",
        params: { cipassword: "**********", ciuser: "lab" },
        status: 200,
      }),
      expect.objectContaining({ method: "GET", path: "/nodes/pve1/qemu/999/config", status: 500 }),
    ]);
    expect(JSON.stringify(log)).not.toContain("s3cret-pass");
    expect((await control(t.sim, "GET", `/_sim/requests?since=${log[0].id}`)).json).toHaveLength(1);
    await control(t.sim, "DELETE", "/_sim/requests");
    expect(t.sim.requestLog()).toEqual([]);
  });
});

describe("control API", () => {
  it("adds and removes faults over HTTP", async () => {
    const added = await control(t.sim, "POST", "/_sim/faults", { method: "PUT", path: "/config$", kind: "http500", message: "boom", times: 2 });
    expect(added.json).toMatchObject({ id: expect.any(Number), remaining: 2 });
    expect((await put({ cores: 3 })).reason).toBe("boom");
    expect((await control(t.sim, "GET", "/_sim/faults")).json).toEqual([expect.objectContaining({ hits: 1, remaining: 1 })]);
    expect((await control(t.sim, "DELETE", `/_sim/faults/${added.json.id}`)).status).toBe(200);
    expect((await put({ cores: 3 })).status).toBe(200);
    expect((await control(t.sim, "POST", "/_sim/faults", { path: "x", kind: "explode" })).status).toBe(400);
  });

  it("shows state, sets locks and settings, resets", async () => {
    const page = await control(t.sim, "GET", "/_sim");
    expect(page.status).toBe(200);
    expect(page.text).toContain("f-160");
    const state = (await control(t.sim, "GET", "/_sim/state")).json;
    expect(state.vms.find((v: { vmid: number }) => v.vmid === 150)).toMatchObject({ node: "pve1", status: "stopped" });
    expect((await control(t.sim, "POST", "/_sim/vms/150/lock", { lock: "backup" })).json.lock).toBe("backup");
    expect((await put({ cores: 3 })).reason).toBe("VM is locked (backup)");
    await control(t.sim, "POST", "/_sim/vms/150/lock", { lock: null });
    expect((await control(t.sim, "GET", "/_sim/inflight")).json).toEqual({ current: 0, max: expect.any(Number) });
    expect((await control(t.sim, "POST", "/_sim/settings", { latencyMs: 5 })).json.latencyMs).toBe(5);
    await control(t.sim, "POST", "/_sim/settings", { latencyMs: 0 });
    expect((await control(t.sim, "POST", "/_sim/reset")).json.vms.map((v: { vmid: number }) => v.vmid)).toEqual([9000, 9001]);
    await cloneReady(t, 150);
  });
});
