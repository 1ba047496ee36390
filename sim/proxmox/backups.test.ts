// Snapshots with and without RAM, backups (vzdump, the storage's content, delete, restore) and the
// stand-in's clock, against pve-manager PVE/API2/VZDump.pm + PVE/VZDump.pm, pve-storage
// PVE/API2/Storage/Content.pm and qemu-server's create_vm (restore) / snapshot_rollback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, startTestSim } from "./testkit";

type Volume = { volid: string; ctime: number; size: number; notes?: string; vmid: number; format: string };

describe("snapshots, backups and the clock", () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({
      nodes: [{ name: "pve1" }, { name: "pve2" }],
      templates: [
        { vmid: 9000, name: "tpl", node: "pve1" },
        { vmid: 9100, name: "tpl2", node: "pve2" },
      ],
      taskDurationMs: 80,
      shortTaskDurationMs: 20,
    });
  });
  afterAll(() => t.stop());
  const vmPath = (vmid: number, node = "pve1") => `/nodes/${node}/qemu/${vmid}`;
  const run = async (method: string, path: string, params?: Record<string, string | number>) => t.api.waitTask(await t.api.call<string>(method, path, params));
  const writeFile = (vmid: number, path: string, content: string) => control(t.sim, "POST", `/_sim/vms/${vmid}/files`, { path, content });
  const status = async (vmid: number) => (await t.api.call<{ status: string }>("GET", `${vmPath(vmid)}/status/current`)).status;

  it("a snapshot with RAM resumes the VM running at rollback; one without leaves it stopped; the disk goes back either way", async () => {
    await cloneReady(t, 500);
    await run("POST", `${vmPath(500)}/status/start`);
    await writeFile(500, "/etc/frr/frr.conf", "router bgp 65001");
    await run("POST", `${vmPath(500)}/snapshot`, { snapname: "with_ram", description: "before BGP", vmstate: 1 });
    await run("POST", `${vmPath(500)}/snapshot`, { snapname: "disk_only", vmstate: 0 });
    const list = await t.api.call<Array<{ name: string; vmstate?: number; snaptime?: number; description?: string }>>("GET", `${vmPath(500)}/snapshot`);
    expect(list.map((s) => [s.name, s.vmstate ?? 0])).toEqual([
      ["with_ram", 1],
      ["disk_only", 0],
      ["current", 0],
    ]);
    expect(list[0].description).toBe("before BGP");
    await writeFile(500, "/etc/frr/frr.conf", "broken on purpose");
    expect((await run("POST", `${vmPath(500)}/snapshot/disk_only/rollback`)).exitstatus).toBe("OK");
    expect(await status(500)).toBe("stopped");
    expect(t.sim.vm(500)?.disk["/etc/frr/frr.conf"]).toBe("router bgp 65001");
    await writeFile(500, "/etc/frr/frr.conf", "broken again");
    await run("POST", `${vmPath(500)}/snapshot/with_ram/rollback`);
    expect(await status(500)).toBe("running");
    expect(t.sim.vm(500)?.disk["/etc/frr/frr.conf"]).toBe("router bgp 65001");
    // of a stopped VM there is no RAM to save
    await run("POST", `${vmPath(500)}/status/stop`);
    await run("POST", `${vmPath(500)}/snapshot`, { snapname: "stopped_ram", vmstate: 1 });
    expect(
      (await t.api.call<Array<{ name: string; vmstate?: number }>>("GET", `${vmPath(500)}/snapshot`)).find((s) => s.name === "stopped_ram")?.vmstate,
    ).toBeUndefined();
  });

  it("vzdump: lock backup while it runs, a volume named by the node's clock with its notes; another node's VM is skipped ('OK', no task)", async () => {
    await cloneReady(t, 501);
    await writeFile(501, "/root/lab.txt", "v1");
    expect(await t.api.call("POST", "/nodes/pve2/vzdump", { vmid: 501, storage: "local" })).toBe("OK");
    const upid = await t.api.call<string>("POST", "/nodes/pve1/vzdump", {
      vmid: 501,
      storage: "local",
      mode: "snapshot",
      compress: "zstd",
      "notes-template": "labvps vm {{vmid}} on {{node}}",
    });
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzdump:501:/);
    expect((await t.api.call<Record<string, unknown>>("GET", `${vmPath(501)}/config`)).lock).toBe("backup");
    expect(await t.api.request("PUT", `${vmPath(501)}/config`, { name: "x" })).toMatchObject({ status: 500, reason: "VM is locked (backup)" });
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
    expect((await t.api.call<Record<string, unknown>>("GET", `${vmPath(501)}/config`)).lock).toBeUndefined();
    const [volume] = await t.api.call<Volume[]>("GET", "/nodes/pve1/storage/local/content", { content: "backup", vmid: 501 });
    const clock = t.sim.clock.epoch();
    expect(volume).toMatchObject({ vmid: 501, format: "vma.zst", notes: "labvps vm 501 on pve1" });
    expect(Math.abs(volume.ctime - clock)).toBeLessThan(5);
    expect(volume.volid).toMatch(/^local:backup\/vzdump-qemu-501-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma\.zst$/);
    expect(volume.size).toBeGreaterThan(0);
    // `local` is per node: pve2 has no such volume
    expect(await t.api.call<Volume[]>("GET", "/nodes/pve2/storage/local/content", { content: "backup" })).toEqual([]);
  });

  it("the clock moves forward: GET /nodes/{node}/time and the next backup's name follow it", async () => {
    const before = (await t.api.call<{ time: number }>("GET", "/nodes/pve1/time")).time;
    await control(t.sim, "POST", "/_sim/clock/advance", { seconds: 86_400 });
    const after = (await t.api.call<{ time: number }>("GET", "/nodes/pve1/time")).time;
    expect(after - before).toBeGreaterThanOrEqual(86_400);
    await run("POST", "/nodes/pve1/vzdump", { vmid: 501, storage: "local" });
    const volumes = await t.api.call<Volume[]>("GET", "/nodes/pve1/storage/local/content", { content: "backup", vmid: 501 });
    expect(volumes).toHaveLength(2);
    expect(volumes[1].ctime - volumes[0].ctime).toBeGreaterThanOrEqual(86_400);
  });

  it("restore with force over the existing VM: stopped first, its disk and snapshots replaced by the archive's; delete is an imgdel task", async () => {
    const [first] = await t.api.call<Volume[]>("GET", "/nodes/pve1/storage/local/content", { content: "backup", vmid: 501 });
    await writeFile(501, "/root/lab.txt", "v2");
    await run("POST", `${vmPath(501)}/snapshot`, { snapname: "later" });
    expect(await t.api.request("POST", "/nodes/pve1/qemu", { vmid: 501, archive: first.volid })).toMatchObject({ status: 500 });
    await run("POST", `${vmPath(501)}/status/start`);
    expect(await t.api.request("POST", "/nodes/pve1/qemu", { vmid: 501, archive: first.volid, force: 1 })).toMatchObject({
      status: 500,
      reason: "unable to restore VM 501 - vm is running",
    });
    await run("POST", `${vmPath(501)}/status/stop`);
    const restore = await t.api.call<string>("POST", "/nodes/pve1/qemu", { vmid: 501, archive: first.volid, force: 1 });
    expect(restore).toMatch(/:qmrestore:501:/);
    expect((await t.api.waitTask(restore)).exitstatus).toBe("OK");
    expect(t.sim.vm(501)?.disk["/root/lab.txt"]).toBe("v1");
    expect(t.sim.vm(501)?.snapshots).toEqual([]);
    const del = await t.api.call<string>("DELETE", `/nodes/pve1/storage/local/content/${encodeURIComponent(first.volid)}`);
    expect(del).toMatch(/:imgdel:501@local:/);
    expect((await t.api.waitTask(del)).exitstatus).toBe("OK");
    expect(await t.api.call<Volume[]>("GET", "/nodes/pve1/storage/local/content", { content: "backup", vmid: 501 })).toHaveLength(1);
  });

  it("a backup of a locked VM fails inside the task ('job errors'); without VM.Backup the worker dies with the permission error; the list shows only what the token may see", async () => {
    await cloneReady(t, 502);
    t.sim.setLock(502, "snapshot");
    expect((await run("POST", "/nodes/pve1/vzdump", { vmid: 502, storage: "local" })).exitstatus).toBe("job errors");
    t.sim.setLock(502, null);
    t.sim.setAcl([
      { path: "/vms", privs: ["VM.Audit"] },
      { path: "/storage/local", privs: ["Datastore.AllocateSpace"] },
    ]);
    try {
      expect((await run("POST", "/nodes/pve1/vzdump", { vmid: 502, storage: "local" })).exitstatus).toBe("Permission check failed (/vms/502, VM.Backup)");
      expect(await t.api.call<Volume[]>("GET", "/nodes/pve1/storage/local/content", { content: "backup" })).toEqual([]);
      t.sim.setAcl([
        { path: "/vms", privs: ["VM.Audit", "VM.Backup"] },
        { path: "/storage/local", privs: ["Datastore.AllocateSpace"] },
      ]);
      expect((await t.api.call<Volume[]>("GET", "/nodes/pve1/storage/local/content", { content: "backup" })).length).toBeGreaterThan(0);
      expect(await t.api.request("POST", "/nodes/pve1/vzdump", { vmid: 502, storage: "local", "prune-backups": "keep-last=1" })).toMatchObject({ status: 403 });
    } finally {
      t.sim.setAcl(null);
    }
  });

  it("a linked clone of a template is near-instant; a full clone takes the disk's size at cloneMBps", async () => {
    t.sim.settings.cloneMBps = 32 * 1024; // 32 GiB disk: 1 s
    try {
      const linked = performance.now();
      await cloneReady(t, 503, { full: "0" });
      const linkedMs = performance.now() - linked;
      const full = performance.now();
      await cloneReady(t, 504, { full: "1" });
      const fullMs = performance.now() - full;
      expect(linkedMs).toBeLessThan(500);
      expect(fullMs).toBeGreaterThan(900);
    } finally {
      t.sim.settings.cloneMBps = 0;
    }
  });
});
