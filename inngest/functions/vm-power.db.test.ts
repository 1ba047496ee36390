// The power function against the Proxmox stand-in: each VM is a real clone of template 9000 made
// with lib/proxmox/api.ts. Most runs use @inngest/test (one execution, no retries); the final-
// failure path runs on a private Inngest stand-in, which retries and calls onFailure as Inngest does.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Agent, fetch as undiciFetch } from "undici";
import { Inngest } from "inngest";
import { InngestTestEngine } from "@inngest/test";
import { db } from "@/lib/db";
import type { PowerAction } from "@/lib/generated/prisma/client";
import { cloneVm, vmPower } from "@/lib/proxmox/api";
import { acquireProxmoxSlot } from "@/lib/proxmox/work-slots";
import { powerSlotHolder } from "@/lib/power/run-power";
import { waitForTaskOk } from "@/lib/proxmox/tasks";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { loadVmStatus } from "@/lib/vms/vm-view";
import { createVmFixture, uniqueVmid } from "@/test/fixtures/vm";
import { quietLogger, startApp, startSim, type TestApp, type InngestSimHandle } from "@lab-vps/sim/testkit";
import { vmPowerFunction } from "./vm-power";

const proxmox = inject("simUrls").proxmox;
const NODE = "pve1";

// The stand-in's /_sim controls share its pinned HTTPS certificate.
const pinned = new Agent({ connect: { ca: fs.readFileSync(process.env.PROXMOX_CA_CERT_FILE!, "utf8") } });
async function sim<T = unknown>(path: string, init?: { method: string; body?: unknown }): Promise<T> {
  const response = await undiciFetch(`${proxmox}/_sim${path}`, {
    dispatcher: pinned,
    method: init?.method ?? "GET",
    headers: { "content-type": "application/json" },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return (await response.json()) as T;
}
const simVm = (vmid: number) => sim<{ status: string; lock: string | null }>(`/vms/${vmid}`);
const addFault = (body: Record<string, unknown>) => sim<{ id: number }>("/faults", { method: "POST", body });
const faultById = async (id: number) => (await sim<Array<{ id: number; hits: number; remaining: number | null }>>("/faults")).find((f) => f.id === id);
async function powerPosts(vmid: number, action: PowerAction) {
  const log = await sim<Array<{ method: string; path: string }>>("/requests");
  return log.filter((r) => r.method === "POST" && r.path === `/nodes/${NODE}/qemu/${vmid}/status/${action}`).length;
}

/** A stopped VM in the stand-in (a full clone of the EVE template) and its row in our database. */
async function stoppedTestVm() {
  const vmid = uniqueVmid();
  await waitForTaskOk(await cloneVm(NODE, 9000, { newid: vmid, name: `power-${vmid}` }), "test clone", 30_000);
  const fixture = await createVmFixture({ vmid, nodeName: NODE, status: "stopped", labType: "eve" });
  return { ...fixture, vmid };
}

const eventFor = (request: { id: string; vmId: string }) => ({
  name: "vm/power.requested",
  id: request.id,
  data: { powerRequestId: request.id, vmId: request.vmId },
});
const requestFor = (vm: { id: string; userId: string }, action: PowerAction) => db.powerRequest.create({ data: { vmId: vm.id, userId: vm.userId, action } });

// One engine per execution: @inngest/test 1.0.0 shares executed steps between a clone's runs.
async function runPower(vm: { id: string; userId: string }, action: PowerAction) {
  const request = await requestFor(vm, action);
  const run = await new InngestTestEngine({ function: vmPowerFunction, events: [eventFor(request)] }).execute();
  return { request, ...run, row: await db.powerRequest.findUniqueOrThrow({ where: { id: request.id } }) };
}
const vmStatus = async (id: string) => (await db.vm.findUniqueOrThrow({ where: { id } })).status;

describe("vm power function (@inngest/test, Proxmox stand-in)", () => {
  it("I3: starts a stopped VM once; a replayed event finds the request taken and does nothing", async () => {
    const { vm, vmid } = await stoppedTestVm();
    const { request, result, row } = await runPower(vm, "start");
    expect(result).toEqual({ powerRequestId: request.id, status: "done", vmStatus: "running" });
    expect(row).toMatchObject({ status: "done", error: null, finishedAt: expect.any(Date) });
    expect((await simVm(vmid)).status).toBe("running");
    expect(await vmStatus(vm.id)).toBe("running");
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.power_done" } })).toBe(1);

    const replay = await new InngestTestEngine({ function: vmPowerFunction, events: [eventFor(request)] }).execute();
    expect(replay.result).toEqual({ powerRequestId: request.id, skipped: "request is not pending" });
    expect(await powerPosts(vmid, "start")).toBe(1);
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.power_done" } })).toBe(1);
  });

  it("reboots, shuts down (ACPI), starts and hard-stops, keeping our record in line with the machine", async () => {
    const { vm, vmid } = await stoppedTestVm();
    const steps: Array<[PowerAction, "running" | "stopped"]> = [
      ["start", "running"],
      ["reboot", "running"],
      ["shutdown", "stopped"],
      ["start", "running"],
      ["stop", "stopped"],
    ];
    for (const [action, expected] of steps) {
      const { result, row } = await runPower(vm, action);
      expect(result, action).toMatchObject({ status: "done", vmStatus: expected });
      expect(row.status, action).toBe("done");
      expect((await simVm(vmid)).status, action).toBe(expected);
      expect(await vmStatus(vm.id), action).toBe(expected);
    }
    for (const action of ["reboot", "shutdown", "stop"] as const) expect(await powerPosts(vmid, action), action).toBe(1);
    expect(await powerPosts(vmid, "start")).toBe(2);
  });

  it("I3: a reboot whose POST answer was lost is not sent again: the retry adopts the task still running", async () => {
    const { vm, vmid } = await stoppedTestVm();
    expect((await runPower(vm, "start")).row.status).toBe("done");
    // The lost try: it took its work slot and POSTed the reboot, then lost the answer (no UPID noted).
    const request = await requestFor(vm, "reboot");
    await addFault({ method: "POST", path: `/qemu/${vmid}/status/reboot$`, kind: "slowTask", ms: 1500, times: 1 });
    await acquireProxmoxSlot(powerSlotHolder(vm.id, request.id));
    await vmPower(NODE, vmid, "reboot");

    const { result } = await new InngestTestEngine({ function: vmPowerFunction, events: [eventFor(request)] }).execute();
    expect(result).toMatchObject({ status: "done", vmStatus: "running" });
    expect(await powerPosts(vmid, "reboot")).toBe(1);
    expect(await db.proxmoxLease.count({ where: { holder: powerSlotHolder(vm.id, request.id) } })).toBe(0);
  });

  it("I3: a start for a VM that is already running needs no task and converges", async () => {
    const { vm, vmid } = await stoppedTestVm();
    await sim(`/vms/${vmid}/power`, { method: "POST", body: { status: "running" } }); // started behind our back
    const { result } = await runPower(vm, "start");
    expect(result).toMatchObject({ status: "done", vmStatus: "running" });
    expect(await powerPosts(vmid, "start")).toBe(0);
    expect(await vmStatus(vm.id)).toBe("running");
  });

  it("I8: config-lock and VM-lock errors are retried with backoff until the action goes through", async () => {
    const { vm, vmid } = await stoppedTestVm();
    const configLock = await addFault({ method: "POST", path: `/qemu/${vmid}/status/start$`, kind: "configLock", times: 2 });
    expect((await runPower(vm, "start")).row.status).toBe("done");
    expect(await faultById(configLock.id)).toMatchObject({ hits: 2, remaining: 0 });
    expect(await powerPosts(vmid, "start")).toBe(3);

    const vmLock = await addFault({ method: "POST", path: `/qemu/${vmid}/status/shutdown$`, kind: "lock", lock: "backup", times: 2 });
    expect((await runPower(vm, "shutdown")).row.status).toBe("done");
    expect(await faultById(vmLock.id)).toMatchObject({ hits: 2, remaining: 0 });
    expect((await simVm(vmid)).status).toBe("stopped");
  });

  it("I8: a power task that ends on a config lock (its exit status, not the POST) is started again and the request is done", async () => {
    const { vm, vmid } = await stoppedTestVm();
    const fault = await addFault({
      method: "POST",
      path: `/qemu/${vmid}/status/start$`,
      kind: "failTask",
      message: `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`,
      times: 1,
    });
    const { row } = await runPower(vm, "start");
    expect(row).toMatchObject({ status: "done", error: null });
    expect(await faultById(fault.id)).toMatchObject({ hits: 1, remaining: 0 });
    expect(await powerPosts(vmid, "start")).toBe(2);
    expect((await simVm(vmid)).status).toBe("running");
    expect(await db.proxmoxLease.count({ where: { holder: powerSlotHolder(vm.id, row.id) } })).toBe(0); // its slot given back
  });

  it("I4: a failing task ends the request failed, with Proxmox's words for the operator and a plain message for the customer", async () => {
    const { vm, vmid } = await stoppedTestVm();
    await runPower(vm, "start");
    await addFault({ method: "POST", path: `/qemu/${vmid}/status/shutdown$`, kind: "failTask", message: "VM quit/powerdown failed - got timeout", times: 1 });
    const { result, row } = await runPower(vm, "shutdown");
    expect(result).toMatchObject({ status: "failed", vmStatus: "running" });
    expect(row).toMatchObject({ status: "failed", error: "task failed: VM quit/powerdown failed - got timeout" });
    expect(await vmStatus(vm.id)).toBe("running");

    const view = await loadVmStatus(vm.userId, vm.id);
    expect(view?.power).toMatchObject({ status: "failed", message: expect.stringMatching(/^We couldn't shut down your VM\./) });
    expect(JSON.stringify(view)).not.toMatch(/powerdown|got timeout/);
    expect(findHypervisorLeaks(JSON.stringify(view), { nodeNames: [NODE], proxmoxHost: process.env.PROXMOX_API_URL })).toEqual([]);
    expect(view?.allowedActions).toEqual(["shutdown", "stop", "reboot"]);
  });

  it("I2: a request for a VM that is not running or stopped fails without a Proxmox call", async () => {
    const { vm, vmid } = await stoppedTestVm();
    await db.vm.update({ where: { id: vm.id }, data: { status: "failed" } });
    const { result, row } = await runPower(vm, "start");
    expect(result).toMatchObject({ status: "failed" });
    expect(row).toMatchObject({ status: "failed", error: "vm is failed" });
    expect(await powerPosts(vmid, "start")).toBe(0);
  });

  it("a reboot asked for a VM that turns out to be stopped fails plainly and corrects our record", async () => {
    const { vm, vmid } = await stoppedTestVm();
    await db.vm.update({ where: { id: vm.id }, data: { status: "running" } }); // our record is stale
    const { row } = await runPower(vm, "reboot");
    expect(row).toMatchObject({ status: "failed", error: "reboot asked for a stopped vm" });
    expect(await powerPosts(vmid, "reboot")).toBe(0);
    expect(await vmStatus(vm.id)).toBe("stopped");
  });
});

describe("vm power function on an Inngest executor (retries and onFailure)", () => {
  let executor: InngestSimHandle;
  let app: TestApp;

  beforeAll(async () => {
    executor = await startSim();
    const client = new Inngest({ id: "lab-vps", isDev: true, baseUrl: executor.url, logger: quietLogger });
    app = await startApp(client, [vmPowerFunction]);
    const [status] = await executor.sync(app.url);
    expect(status.ok).toBe(true);
  });
  afterAll(async () => {
    await executor?.close();
    await app?.close();
  });

  it("runs a start end to end", async () => {
    const { vm, vmid } = await stoppedTestVm();
    const request = await requestFor(vm, "start");
    await executor.send(eventFor(request));
    const run = await executor.waitForRun((r) => r.functionId === "lab-vps-vm-power" && r.status === "Completed", 15_000);
    expect(run.status).toBe("Completed");
    expect(await db.powerRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "done" });
    expect((await simVm(vmid)).status).toBe("running");
  });

  it("I8: after the last retry the request is failed with the operator's reason and the VM re-read", async () => {
    const { vm, vmid } = await stoppedTestVm();
    const fault = await addFault({
      method: "POST",
      path: `/qemu/${vmid}/status/start$`,
      kind: "http500",
      message: "unable to create VM: storage 'local-lvm' offline",
    });
    try {
      const request = await requestFor(vm, "start");
      await executor.send(eventFor(request));
      await executor.waitForRun((r) => r.functionId === "lab-vps-vm-power-failure" && r.status === "Completed", 20_000);
      const row = await db.powerRequest.findUniqueOrThrow({ where: { id: request.id } });
      expect(row).toMatchObject({ status: "failed", error: expect.stringContaining("storage 'local-lvm' offline") });
      expect(await powerPosts(vmid, "start")).toBe(5); // the first try and 4 retries
      expect(await vmStatus(vm.id)).toBe("stopped");
      const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectId: vm.id, action: "vm.power_failed" } });
      expect(audit.data).toMatchObject({ powerRequestId: request.id, action: "start" });
      const view = await loadVmStatus(vm.userId, vm.id);
      expect(view?.power?.message).toMatch(/^We couldn't start your VM\./);
      expect(JSON.stringify(view)).not.toMatch(/local-lvm|unable to create/);
    } finally {
      await sim(`/faults/${fault.id}`, { method: "DELETE" });
    }
  });
});
