// The guest agent and the boot it reports on (qemu-server PVE/API2/Qemu/Agent.pm,
// PVE/QemuServer/Agent.pm): not configured / not running / agent not up are three different
// errors; cloud-init's result file appears when its first run ends (with its errors); /proc/cpuinfo
// has vmx only with CPU type host on a node that nests; cloudflared is installed only by a
// cloud-init run that succeeded (guest.ts connects it; guest.test.ts follows it to the edge).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, sshOnNode, startTestSim } from "./testkit";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const USER_DATA = '#cloud-config\nruncmd:\n  - [cloudflared, service, install, "eyJhIjoiYWNjdCIsInQiOiJ0dW4tMSIsInMiOiJzIn0="]\n';

describe.each([8, 9] as const)("guest agent, PVE %i", (version) => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ pveVersion: version, nodes: [{ name: "pve1" }, { name: "pve2" }], taskDurationMs: 60, guestBootMs: 150, cloudInitMs: 150 });
  });
  afterAll(() => t.stop());
  const agent = (vmid: number, what: string, params?: Record<string, string>, node = "pve1") =>
    t.api.request<Record<string, unknown>>(what === "ping" ? "POST" : "GET", `/nodes/${node}/qemu/${vmid}/agent/${what}`, params);
  const start = async (vmid: number) => t.api.waitTask(await t.api.call<string>("POST", `/nodes/pve1/qemu/${vmid}/status/start`));

  it("answers only once the guest booted; says why not before (not running, agent not up, not configured)", async () => {
    await cloneReady(t, 300);
    expect(await agent(300, "ping")).toMatchObject({ status: 500, reason: "VM 300 is not running" });
    await start(300);
    expect(await agent(300, "ping")).toMatchObject({ status: 500, reason: "QEMU guest agent is not running" });
    await expect.poll(async () => (await agent(300, "ping")).status, { timeout: 3_000 }).toBe(200);
    expect((await agent(300, "ping")).body.data).toEqual({ result: {} });
    expect((await agent(300, "info")).body.data).toMatchObject({ result: { version: expect.any(String) } });
    // `agent` cannot be hot-plugged: deleted on a running VM it stays until the next start
    await t.api.call("PUT", "/nodes/pve1/qemu/300/config", { delete: "agent" });
    expect((await agent(300, "ping")).status).toBe(200);
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/300/status/stop"));
    expect(await agent(300, "ping")).toMatchObject({ status: 500, reason: "VM 300 is not running" });
    await start(300);
    expect(await agent(300, "ping")).toMatchObject({ status: 500, reason: "No QEMU guest agent configured" });
  });

  it("file-read: cloud-init's result once its first run ends, vmx with CPU type host, qemu-ga's error for a missing file", async () => {
    await cloneReady(t, 301);
    t.sim.setNestedVirt("pve1", true);
    await start(301);
    await expect.poll(async () => (await agent(301, "ping")).status, { timeout: 3_000 }).toBe(200);
    const cpu = await agent(301, "file-read", { file: "/proc/cpuinfo" });
    expect(String((cpu.body.data as { content: string }).content)).toMatch(/^flags\t\t: .* vmx$/m);
    // no user-data at this boot: cloud-init had nothing to do, its result is there at once
    const result = await agent(301, "file-read", { file: "/run/cloud-init/result.json" });
    expect(JSON.parse(String((result.body.data as { content: string }).content))).toMatchObject({ v1: { errors: [] } });
    expect(await agent(301, "file-read", { file: "/etc/nothing" })).toMatchObject({
      status: 500,
      reason: "Agent error: failed to open file '/etc/nothing' (mode: 'r'): No such file or directory",
    });
    // a node that does not nest, or a CPU type that hides vmx: the guest lacks it after its next start
    t.sim.setNestedVirt("pve1", false);
    const noVmx = await agent(301, "file-read", { file: "/proc/cpuinfo" });
    expect(String((noVmx.body.data as { content: string }).content)).not.toMatch(/\bvmx\b/);
    t.sim.setNestedVirt("pve1", true);
  });

  it("cloud-init runs once on the first boot with user-data: result.json only when done, errors when it failed; only a run that succeeded installs cloudflared", async () => {
    for (const [vmid, outcome] of [
      [302, "done"],
      [303, "error"],
    ] as const) {
      await cloneReady(t, vmid);
      await control(t.sim, "POST", "/_sim/guest-agent", { vmid, cloudInit: outcome });
      // The snippet goes where the product puts it, then cicustom points at it.
      const snippet = `labvps-${vmid}.yaml`;
      await sshOnNode(t, "pve1", { write: { path: `/var/lib/vz/snippets/${snippet}`, content: USER_DATA } });
      await t.api.call("PUT", `/nodes/pve1/qemu/${vmid}/config`, { cicustom: `user=local:snippets/${snippet}` });
      await start(vmid);
      await expect.poll(async () => (await agent(vmid, "ping")).status, { timeout: 3_000 }).toBe(200);
      expect(await agent(vmid, "file-read", { file: "/run/cloud-init/result.json" })).toMatchObject({ status: 500 });
      const status = JSON.parse(String(((await agent(vmid, "file-read", { file: "/run/cloud-init/status.json" })).body.data as { content: string }).content));
      expect(status.v1.stage).toBe("modules-final");
      expect(t.sim.guests.get(vmid)).toMatchObject({ cloudInit: "running", cloudflaredInstalled: false });
      await expect.poll(async () => (await agent(vmid, "file-read", { file: "/run/cloud-init/result.json" })).status, { timeout: 3_000 }).toBe(200);
      const result = JSON.parse(String(((await agent(vmid, "file-read", { file: "/run/cloud-init/result.json" })).body.data as { content: string }).content));
      expect(result.v1.errors.length).toBe(outcome === "done" ? 0 : 1);
    }
    // only the guest whose cloud-init succeeded installed cloudflared
    await expect.poll(() => t.sim.guests.get(302)?.cloudflaredInstalled).toBe(true);
    expect(t.sim.guests.get(302)).toMatchObject({ cloudInit: "done" });
    expect(t.sim.guests.get(303)).toMatchObject({ cloudInit: "error", cloudflaredInstalled: false });
    expect(t.sim.guests.get(303)?.bootLog.join("\n")).toMatch(/exit status 1/);
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/302/status/stop"));
    expect(t.sim.guests.get(302)).toMatchObject({ running: false, agent: "stopped" });
    // a later boot runs cloud-init no more: its result is there as soon as the agent is
    await start(302);
    await expect.poll(async () => (await agent(302, "ping")).status, { timeout: 3_000 }).toBe(200);
    expect((await agent(302, "file-read", { file: "/run/cloud-init/result.json" })).status).toBe(200);
  });

  it("a guest whose agent never answers stays silent however long it runs", async () => {
    await cloneReady(t, 304);
    await control(t.sim, "POST", "/_sim/guest-agent", { vmid: 304, agent: "silent" });
    await start(304);
    await sleep(400);
    expect(await agent(304, "ping")).toMatchObject({ status: 500, reason: "QEMU guest agent is not running" });
    expect(t.sim.vm(304)?.guest).toMatchObject({ agent: "silent" });
  });

  it(`permissions: ${version === 8 ? "VM.Monitor" : "VM.GuestAgent.Audit / FileRead (or Unrestricted)"}`, async () => {
    const base = ["VM.Audit", "VM.PowerMgmt"];
    t.sim.setAcl([{ path: "/vms", privs: base }]);
    try {
      const denied = await agent(301, "ping");
      expect(denied.status).toBe(403);
      expect(denied.reason).toBe(`Permission check failed (/vms/301, ${version === 8 ? "VM.Monitor" : "VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted"})`);
      t.sim.setAcl([{ path: "/vms", privs: [...base, ...(version === 8 ? ["VM.Monitor"] : ["VM.GuestAgent.Audit"])] }]);
      expect((await agent(301, "ping")).status).toBe(200);
      if (version === 9) {
        expect((await agent(301, "file-read", { file: "/proc/cpuinfo" })).status).toBe(403);
        t.sim.setAcl([{ path: "/vms", privs: [...base, "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead"] }]);
      }
      expect((await agent(301, "file-read", { file: "/proc/cpuinfo" })).status).toBe(200);
    } finally {
      t.sim.setAcl(null);
    }
  });
});
