// The VM page's actions and status route through the real wrapper and session helpers; only
// Auth.js's auth() is replaced by a settable session.
import { beforeEach, describe, expect, inject, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { inngest } from "@/lib/jobs/client";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { createUser, createVmFixture, digestOf, formData, NOT_FOUND_DIGEST as NOT_FOUND } from "@/test/fixtures/vm";
import { requestPowerFormAction, revealPasswordFormAction } from "./actions";
import { GET as statusRoute } from "@/app/api/vms/[id]/status/route";

const simUrls = inject("simUrls");
async function writesFor(vmId: string) {
  const [requests, audits] = await Promise.all([
    db.powerRequest.count({ where: { vmId } }),
    db.auditEvent.count({ where: { subjectType: "vm", subjectId: vmId } }),
  ]);
  return { requests, audits };
}
const callStatus = (id: string) => statusRoute(new Request(`http://app.test/api/vms/${id}/status`), { params: Promise.resolve({ id }) });

beforeEach(() => {
  session.userId = null;
});

describe("power actions", () => {
  it("I2: records a pending request, audits it and sends vm/power.requested with the request id as event id", async () => {
    const { userId, vm } = await createVmFixture({ status: "stopped" });
    session.userId = userId;
    const state = await requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "start" }));
    expect(state).toEqual({ status: "success", message: "Start requested." });
    const request = await db.powerRequest.findFirstOrThrow({ where: { vmId: vm.id } });
    expect(request).toMatchObject({ userId, action: "start", status: "pending", error: null });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectType: "vm", subjectId: vm.id, action: "vm.power_requested" } });
    expect(audit).toMatchObject({ actorType: "customer", actorId: userId, data: { action: "start", powerRequestId: request.id } });
    const event = await (await fetch(`${simUrls.inngest}/_sim/events/${request.id}`)).json();
    expect(event).toMatchObject({ id: request.id, name: "vm/power.requested", data: { powerRequestId: request.id, vmId: vm.id } });
  });

  it("I10: a bad action is a field error and writes nothing", async () => {
    const { userId, vm } = await createVmFixture();
    session.userId = userId;
    const state = await requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "destroy" }));
    expect(state).toMatchObject({ status: "error", fieldErrors: { action: "Choose start, shut down, hard stop or reboot." } });
    const missing = await requestPowerFormAction(idleState, formData({ action: "start" }));
    expect(missing.fieldErrors).toHaveProperty("vmId");
    expect(await writesFor(vm.id)).toEqual({ requests: 0, audits: 0 });
  });

  it("I10: an action that makes no sense for the VM's state is refused plainly and writes nothing", async () => {
    const running = await createVmFixture({ status: "running" });
    session.userId = running.userId;
    expect(await requestPowerFormAction(idleState, formData({ vmId: running.vm.id, action: "start" }))).toMatchObject({
      status: "error",
      message: "Your VM is already running.",
    });
    const stopped = await createVmFixture({ status: "stopped", userId: running.userId });
    expect(await requestPowerFormAction(idleState, formData({ vmId: stopped.vm.id, action: "reboot" }))).toMatchObject({
      status: "error",
      message: expect.stringMatching(/stopped/),
    });
    const building = await createVmFixture({ status: "provisioning", userId: running.userId, vmid: null, nodeName: null });
    expect(await requestPowerFormAction(idleState, formData({ vmId: building.vm.id, action: "start" }))).toMatchObject({
      status: "error",
      message: expect.stringMatching(/being set up/),
    });
    for (const vm of [running.vm, stopped.vm, building.vm]) expect(await writesFor(vm.id)).toEqual({ requests: 0, audits: 0 });
  });

  it("I10: another pending or running request for the VM refuses the click, writing nothing", async () => {
    const { userId, vm } = await createVmFixture({ status: "running" });
    session.userId = userId;
    await db.powerRequest.create({ data: { vmId: vm.id, userId, action: "reboot", status: "running" } });
    const state = await requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "stop" }));
    expect(state).toMatchObject({ status: "error", message: "Another operation is in progress. Wait for it to finish, then try again." });
    expect(await writesFor(vm.id)).toEqual({ requests: 1, audits: 0 });
  });

  it("a request left open for over 15 minutes (its run was lost) is closed as abandoned and no longer blocks the VM", async () => {
    const { userId, vm } = await createVmFixture({ status: "running" });
    session.userId = userId;
    const old = new Date(Date.now() - 16 * 60_000);
    const stale = await db.powerRequest.create({ data: { vmId: vm.id, userId, action: "reboot", status: "running", createdAt: old } });
    const state = await requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "reboot" }));
    expect(state.status).toBe("success");
    expect(await db.powerRequest.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      status: "failed",
      error: expect.stringContaining("abandoned"),
    });
    expect(await db.auditEvent.count({ where: { subjectId: vm.id, action: "vm.power_abandoned" } })).toBe(1);
  });

  it("I10: two clicks at once record one request (the VM row is locked while checking)", async () => {
    const { userId, vm } = await createVmFixture({ status: "running" });
    session.userId = userId;
    const results = await Promise.all([
      requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "shutdown" })),
      requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "reboot" })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["error", "success"]);
    expect(await writesFor(vm.id)).toEqual({ requests: 1, audits: 1 });
  });

  it("a request whose event cannot be sent is closed, so it does not block the VM", async () => {
    const { userId, vm } = await createVmFixture({ status: "stopped" });
    session.userId = userId;
    const send = vi.spyOn(inngest, "send").mockRejectedValueOnce(new Error("connect ECONNREFUSED 127.0.0.1:8288"));
    const state = await requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "start" }));
    send.mockRestore();
    expect(state).toMatchObject({ status: "error", message: "We couldn't queue that right now. Nothing was changed; please try again." });
    expect(await db.powerRequest.findFirstOrThrow({ where: { vmId: vm.id } })).toMatchObject({
      status: "failed",
      error: expect.stringContaining("ECONNREFUSED"),
    });
    expect((await requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "start" }))).status).toBe("success");
  });

  it("I5: another user's VM and an unknown id are a 404 for every action, and nothing is written", async () => {
    const { vm } = await createVmFixture({ status: "stopped" });
    session.userId = (await createUser()).id;
    expect(await digestOf(requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "start" })))).toBe(NOT_FOUND);
    expect(await digestOf(requestPowerFormAction(idleState, formData({ vmId: "no-such-vm", action: "start" })))).toBe(NOT_FOUND);
    expect(await digestOf(revealPasswordFormAction(idleState, formData({ vmId: vm.id })))).toBe(NOT_FOUND);
    expect(await writesFor(vm.id)).toEqual({ requests: 0, audits: 0 });
  });

  it("sends a signed-out visitor to sign in", async () => {
    const { vm } = await createVmFixture({ status: "stopped" });
    expect(await digestOf(requestPowerFormAction(idleState, formData({ vmId: vm.id, action: "start" })))).toMatch(/^NEXT_REDIRECT;.*\/sign-in/);
  });
});

describe("password reveal", () => {
  it("I9: gives the owner the decrypted password and audits the reveal", async () => {
    const { userId, vm } = await createVmFixture({ password: "Kx7pQ2mRt9vW4zLn8bYc" });
    session.userId = userId;
    const state = await revealPasswordFormAction(idleState, formData({ vmId: vm.id }));
    expect(state).toEqual({ status: "success", password: "Kx7pQ2mRt9vW4zLn8bYc" });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectId: vm.id, action: "vm.password_revealed" } });
    expect(audit).toMatchObject({ actorType: "customer", actorId: userId });
    expect(JSON.stringify(audit.data)).not.toContain("Kx7pQ2mRt9vW4zLn8bYc");
  });

  it("says plainly when the VM has no password yet", async () => {
    const { userId, vm } = await createVmFixture({ status: "provisioning", password: null });
    session.userId = userId;
    expect(await revealPasswordFormAction(idleState, formData({ vmId: vm.id }))).toMatchObject({
      status: "error",
      message: expect.stringMatching(/once the VM is ready/),
    });
  });
});

describe("status route", () => {
  it("I4: answers the owner with our record only", async () => {
    const { userId, vm } = await createVmFixture({ status: "running", nodeName: "pve-hidden-3" });
    await db.powerRequest.create({
      data: { vmId: vm.id, userId, action: "shutdown", status: "failed", error: "VM quit/powerdown failed - got timeout on pve-hidden-3" },
    });
    session.userId = userId;
    const response = await callStatus(vm.id);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ id: vm.id, status: "running", power: { action: "shutdown", status: "failed", active: false } });
    expect(findHypervisorLeaks(text, { nodeNames: ["pve-hidden-3"], proxmoxHost: process.env.PROXMOX_API_URL })).toEqual([]);
    expect(text).not.toContain("powerdown");
  });

  it("I5: another user and an unknown id get the same 404, a signed-out visitor a 401 (withUser)", async () => {
    const { vm } = await createVmFixture();
    expect((await callStatus(vm.id)).status).toBe(401);
    session.userId = (await createUser()).id;
    const other = await callStatus(vm.id);
    const unknown = await callStatus("no-such-vm");
    expect([other.status, unknown.status]).toEqual([404, 404]);
    expect(await other.json()).toEqual(await unknown.json());
  });
});
