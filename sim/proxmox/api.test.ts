import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxmoxSim } from "./index";
import { PveClient, type TestSim, cloneReady, startTestSim } from "./testkit";

const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGc3KZ8o2m1Vw4+uB5o6m3kE8dW0pG0m1b3xq5J2rZ8A alice@laptop";
const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFC8vbXm/7iHYZCIKgDg08L/YohJzg3s8SsxSReBusyW bob@desk";

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim({ nodes: [{ name: "pve1" }, { name: "pve2" }], taskDurationMs: 300, shortTaskDurationMs: 120 });
});
afterAll(() => t.stop());

const config = (vmid: number, node = "pve1") => t.api.call<Record<string, string | number>>("GET", `/nodes/${node}/qemu/${vmid}/config`);

describe("TLS and auth", () => {
  it("verifies against the pinned CA and fails without it", async () => {
    expect(await t.api.call("GET", "/version")).toMatchObject({ version: expect.any(String) });
    const unpinned = new PveClient(t.sim.apiBase, undefined, `PVEAPIToken=${t.sim.tokenId}=${t.sim.tokenSecret}`);
    await expect(unpinned.request("GET", "/version")).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/),
    });
    await expect(fetch(`${t.sim.apiBase}/version`)).rejects.toThrow();
    expect(readFileSync(t.sim.caCertPath, "utf8")).toBe(t.sim.caCertPem);
    expect(t.sim.env).toMatchObject({
      PROXMOX_API_URL: t.sim.url,
      PROXMOX_CA_CERT_FILE: t.sim.caCertPath,
      PROXMOX_SSH_PORT: String(t.sim.sshPort),
      PROXMOX_SSH_KEY_FILE: t.sim.sshClientKeyPath,
      PROXMOX_SSH_HOST_FINGERPRINT: t.sim.sshHostFingerprint,
    });
  });

  it("keeps its CA and keys across restarts of the same state dir", async () => {
    const again = await startProxmoxSim({ port: 0, sshPort: 0, stateDir: t.stateDir });
    try {
      expect(again.caCertPem).toBe(t.sim.caCertPem);
      expect(again.sshHostFingerprint).toBe(t.sim.sshHostFingerprint);
      expect(again.sshClientPublicKey).toBe(t.sim.sshClientPublicKey);
    } finally {
      await again.close();
    }
  });

  it("answers 401 {data:null} without a token or with a wrong one", async () => {
    const none = await new PveClient(t.sim.apiBase, t.sim.caCertPem, null).request("GET", "/nodes");
    expect(none).toMatchObject({ status: 401, reason: "No ticket", body: { data: null } });
    const wrong = await new PveClient(t.sim.apiBase, t.sim.caCertPem, `PVEAPIToken=${t.sim.tokenId}=nope`).request("GET", "/nodes");
    expect(wrong).toMatchObject({ status: 401, reason: "authentication failure", body: { data: null } });
  });

  it("answers 501 for paths it does not implement and 400 for unknown parameters", async () => {
    const res = await t.api.request("GET", "/nodes/pve1/bogus");
    expect(res).toMatchObject({ status: 501, reason: "Method 'GET /api2/json/nodes/pve1/bogus' not implemented" });
    const bad = await t.api.request("GET", "/cluster/resources", { type: "vm", colour: "red" });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { colour: expect.stringContaining("not defined in schema") }, data: null });
  });
});

describe("cluster and nodes", () => {
  it("lists resources by type, with nodes' capacity and templates", async () => {
    const nodes = await t.api.call<Array<Record<string, unknown>>>("GET", "/cluster/resources", { type: "node" });
    expect(nodes.map((n) => n.node)).toEqual(["pve1", "pve2"]);
    expect(nodes[0]).toMatchObject({ id: "node/pve1", type: "node", maxcpu: 64, maxmem: 256 * 1024 ** 3, maxdisk: 4096 * 1024 ** 3, status: "online" });
    const vms = await t.api.call<Array<Record<string, unknown>>>("GET", "/cluster/resources", { type: "vm" });
    expect(vms).toEqual(expect.arrayContaining([expect.objectContaining({ id: "qemu/9000", vmid: 9000, name: "tpl-eve-ng", template: 1, node: "pve1" })]));
    const storage = await t.api.call<Array<Record<string, unknown>>>("GET", "/cluster/resources", { type: "storage" });
    expect(storage.every((s) => s.type === "storage")).toBe(true);
    expect((await t.api.request("GET", "/cluster/resources", { type: "lxc" })).status).toBe(400);
  });

  it("reports node status and the node list", async () => {
    expect(await t.api.call("GET", "/nodes/pve1/status")).toMatchObject({ cpuinfo: { cpus: 64 }, memory: { total: 256 * 1024 ** 3 } });
    expect((await t.api.call<unknown[]>("GET", "/nodes")).length).toBe(2);
    expect(await t.api.request("GET", "/nodes/pve9/status")).toMatchObject({ status: 500, reason: "no such cluster node 'pve9'" });
  });

  it("nextid gives the first free id and rejects a taken one with errors.vmid", async () => {
    const next = await t.api.call<string>("GET", "/cluster/nextid");
    expect(Number(next)).toBeGreaterThanOrEqual(100);
    expect(t.sim.vm(Number(next))).toBeUndefined();
    const taken = await t.api.request("GET", "/cluster/nextid", { vmid: 9000 });
    expect(taken).toMatchObject({ status: 400, body: { errors: { vmid: "VM 9000 already exists" }, data: null } });
    expect(await t.api.call("GET", "/cluster/nextid", { vmid: 4242 })).toBe("4242");
  });
});

describe("clone", () => {
  it("returns a UPID, holds lock=clone while the task runs, then clears it", async () => {
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid: 101, name: "lab-101", full: 1 });
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:root@pam!labvps:$/);
    // qemu-server writes "# qmclone temporary file\nlock: clone" first, the real config later.
    expect(await config(101)).toMatchObject({ lock: "clone", description: "qmclone temporary file" });
    const running = await t.api.call<Record<string, unknown>>("GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
    expect(running).toMatchObject({ status: "running", type: "qmclone", id: "9000", node: "pve1", upid });
    expect(running.exitstatus).toBeUndefined();
    expect(await t.api.request("PUT", "/nodes/pve1/qemu/101/config", { cores: 4 })).toMatchObject({ status: 500, reason: "VM is locked (clone)" });
    expect(await t.api.waitTask(upid)).toMatchObject({ status: "stopped", exitstatus: "OK" });
    const cfg = await config(101);
    expect(cfg.lock).toBeUndefined();
    expect(cfg.template).toBeUndefined();
    expect(cfg.scsi0).toBe("local-lvm:vm-101-disk-0,size=32G");
    const log = await t.api.call<Array<{ n: number; t: string }>>("GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`);
    expect(log.at(-1)?.t).toBe("TASK OK");
  });

  it("lists tasks like pve-manager's node_tasks: finished ones by default, running ones only with source=active", async () => {
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid: 103, name: "lab-103", full: 1 });
    const list = (args: Record<string, string | number>) => t.api.call<Array<{ upid: string; status?: string }>>("GET", "/nodes/pve1/tasks", args);
    expect((await list({ vmid: 9000 })).map((x) => x.upid)).not.toContain(upid);
    expect(await list({ vmid: 9000, source: "active", typefilter: "qmclone" })).toEqual([
      expect.objectContaining({ upid, status: "RUNNING", type: "qmclone" }),
    ]);
    await t.api.waitTask(upid);
    expect(await list({ vmid: 9000, source: "active" })).toEqual([]);
    expect(await list({ vmid: 9000, typefilter: "qmclone" })).toContainEqual(expect.objectContaining({ upid, status: "OK" }));
    expect(await t.api.request("GET", "/nodes/pve1/tasks", { source: "running" })).toMatchObject({
      status: 400,
      body: { errors: { source: expect.any(String) } },
    });
  });

  it("refuses a taken id with PVE's text and requires newid", async () => {
    const res = await t.api.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 9001 });
    expect(res).toMatchObject({ status: 500, reason: "unable to create VM 9001: config file already exists" });
    expect(res.body).toEqual({ data: null, message: "unable to create VM 9001: config file already exists\n" });
    expect(await t.api.request("POST", "/nodes/pve1/qemu/9000/clone", { name: "x" })).toMatchObject({
      status: 400,
      body: { errors: { newid: expect.any(String) } },
    });
  });

  it("honours target: the VM lives on that node, the task on the source node", async () => {
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/9001/clone", { newid: 102, name: "lab-102", target: "pve2", full: 1 });
    expect(upid.split(":")[1]).toBe("pve1");
    expect(await t.api.request("GET", `/nodes/pve2/tasks/${encodeURIComponent(upid)}/status`)).toMatchObject({
      status: 400,
      body: { errors: { upid: "no such task" } },
    });
    await t.api.waitTask(upid);
    expect(await config(102, "pve2")).toMatchObject({ name: "lab-102" });
    expect(await t.api.request("GET", "/nodes/pve1/qemu/102/config")).toMatchObject({
      status: 500,
      reason: "Configuration file 'nodes/pve1/qemu-server/102.conf' does not exist",
    });
  });
});

describe("config", () => {
  beforeAll(() => cloneReady(t, 110));

  it("has a digest, masks cipassword, and refuses a stale digest", async () => {
    const before = await config(110);
    expect(before.digest).toMatch(/^[0-9a-f]{40}$/);
    await t.api.call("PUT", "/nodes/pve1/qemu/110/config", { cipassword: "hunter2-secret", ciuser: "lab", ipconfig0: "ip=dhcp", digest: before.digest });
    const after = await config(110);
    expect(after).toMatchObject({ cipassword: "**********", ciuser: "lab", ipconfig0: "ip=dhcp" });
    expect(after.digest).not.toBe(before.digest);
    expect(JSON.stringify(t.sim.vm(110))).not.toContain("hunter2-secret");
    const stale = await t.api.request("PUT", "/nodes/pve1/qemu/110/config", { cores: 4, digest: before.digest });
    expect(stale).toMatchObject({ status: 500, reason: "checksum mismatch (file change by other user?)" });
  });

  it("accepts JSON bodies, deletes keys, and POST answers a UPID", async () => {
    await t.api.request("PUT", "/nodes/pve1/qemu/110/config", { cores: 6, memory: 8192, description: "lab" }, { json: true });
    expect(await config(110)).toMatchObject({ cores: 6, memory: 8192, description: "lab" });
    await t.api.call("PUT", "/nodes/pve1/qemu/110/config", { delete: "description" });
    expect((await config(110)).description).toBeUndefined();
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/110/config", { sockets: 2 });
    expect(upid).toContain(":qmconfig:110:");
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
    expect((await config(110)).sockets).toBe(2);
  });

  it("reports every bad field in one 400", async () => {
    const res = await t.api.request("PUT", "/nodes/pve1/qemu/110/config", { cores: "many", memory: 4, name: "not a name", bogus: 1 });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors ?? {}).sort()).toEqual(["bogus", "cores", "memory", "name"]);
  });

  it("sshkeys must be percent-encoded (%20, %0A), not raw or '+'", async () => {
    const encoded = encodeURIComponent(`${KEY_A}\n${KEY_B}`);
    expect(encoded).toContain("%20");
    expect(encoded).toContain("%0A");
    expect((await t.api.request("PUT", "/nodes/pve1/qemu/110/config", { sshkeys: encoded })).status).toBe(200);
    expect(t.sim.vm(110)?.sshKeys).toEqual([KEY_A, KEY_B]);
    expect((await config(110)).sshkeys).toBe(encoded);

    const raw = await t.api.request("PUT", "/nodes/pve1/qemu/110/config", { sshkeys: KEY_A });
    expect(raw.status).toBe(400);
    expect(raw.body.errors?.sshkeys).toContain("invalid urlencoded string");
    const plus = await t.api.request("PUT", "/nodes/pve1/qemu/110/config", { sshkeys: new URLSearchParams({ k: KEY_A }).toString().slice(2) });
    expect(plus.status).toBe(400);
    expect(plus.body.errors?.sshkeys).toContain("invalid urlencoded string");
    // Well encoded but not a key: the handler's ssh-keygen check, a 500 (PVE::Tools::validate_ssh_public_keys).
    const truncated = await t.api.request("PUT", "/nodes/pve1/qemu/110/config", {
      sshkeys: encodeURIComponent("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7u/9x+Z3= bob@desk"),
    });
    expect(truncated).toMatchObject({ status: 500, reason: "SSH public key validation error" });
  });
});

describe("resize", () => {
  beforeAll(() => cloneReady(t, 120));

  it("grows with +NG or an absolute size and refuses to shrink", async () => {
    const upid = await t.api.call<string>("PUT", "/nodes/pve1/qemu/120/resize", { disk: "scsi0", size: "+8G" });
    expect(upid).toContain(":resize:120:");
    await t.api.waitTask(upid);
    expect((await config(120)).scsi0).toBe("local-lvm:vm-120-disk-0,size=40G");
    await t.api.waitTask(await t.api.call<string>("PUT", "/nodes/pve1/qemu/120/resize", { disk: "scsi0", size: "64G" }));
    expect((await config(120)).scsi0).toContain("size=64G");
    // Past the schema, resize errors are the task's exitstatus (qemu-server >= 8.0).
    const shrink = await t.api.call<string>("PUT", "/nodes/pve1/qemu/120/resize", { disk: "scsi0", size: "16G" });
    expect(await t.api.waitTask(shrink)).toMatchObject({ status: "stopped", exitstatus: "shrinking disks is not supported" });
    expect((await t.api.request("PUT", "/nodes/pve1/qemu/120/resize", { disk: "scsi0", size: "lots" })).body.errors?.size).toBeDefined();
    const missing = await t.api.call<string>("PUT", "/nodes/pve1/qemu/120/resize", { disk: "scsi3", size: "+1G" });
    expect((await t.api.waitTask(missing)).exitstatus).toBe("disk 'scsi3' does not exist");
  });
});

describe("power, destroy", () => {
  beforeAll(() => cloneReady(t, 130));
  const status = () => t.api.call<Record<string, unknown>>("GET", "/nodes/pve1/qemu/130/status/current");

  it("start/stop change state when their tasks end", async () => {
    expect(await status()).toMatchObject({ status: "stopped", vmid: 130, name: "lab-130", cpus: 2, maxmem: 4096 * 1024 ** 2 });
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/start");
    expect(upid).toContain(":qmstart:130:");
    expect((await status()).status).toBe("stopped");
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
    expect(await status()).toMatchObject({ status: "running", qmpstatus: "running", uptime: expect.any(Number) });
    const again = await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/start"));
    expect(again.exitstatus).toBe("VM 130 already running");
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/suspend"));
    expect(await status()).toMatchObject({ status: "running", qmpstatus: "paused" });
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/resume"));
    expect((await status()).qmpstatus).toBe("running");
  });

  it("refuses to destroy a running VM, then destroys it once stopped", async () => {
    expect(await t.api.request("DELETE", "/nodes/pve1/qemu/130", { purge: 1 })).toMatchObject({ status: 500, reason: "VM 130 is running - destroy failed" });
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/130/status/shutdown"));
    expect((await status()).status).toBe("stopped");
    expect(await t.api.request("POST", "/nodes/pve1/qemu/130/status/reboot")).toMatchObject({ status: 500, reason: "VM 130 not running" });
    const upid = await t.api.call<string>("DELETE", "/nodes/pve1/qemu/130?purge=1&destroy-unreferenced-disks=1");
    expect(upid).toContain(":qmdestroy:130:");
    expect(t.sim.vm(130)).toBeDefined();
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
    expect(await t.api.request("GET", "/nodes/pve1/qemu/130/config")).toMatchObject({ status: 500, reason: expect.stringContaining("does not exist") });
  });

  it("a start while locked fails inside the task with PVE's lock text", async () => {
    await cloneReady(t, 131);
    t.sim.setLock(131, "backup");
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/131/status/start");
    expect((await t.api.waitTask(upid)).exitstatus).toBe("VM is locked (backup)");
    expect(t.sim.vm(131)?.status).toBe("stopped");
    t.sim.setLock(131, null);
  });
});

describe("snapshots and cloud-init", () => {
  beforeAll(() => cloneReady(t, 140));
  const list = () => t.api.call<Array<Record<string, unknown>>>("GET", "/nodes/pve1/qemu/140/snapshot");

  it("creates, lists (ending with current), rolls back and deletes", async () => {
    expect(await list()).toEqual([expect.objectContaining({ name: "current" })]);
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/140/snapshot", { snapname: "before_upgrade", description: "pre" });
    expect((await config(140)).lock).toBe("snapshot");
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
    const snaps = await list();
    expect(snaps.map((s) => s.name)).toEqual(["before_upgrade", "current"]);
    expect(snaps[1]).toMatchObject({ parent: "before_upgrade" });
    expect(await t.api.request("POST", "/nodes/pve1/qemu/140/snapshot", { snapname: "before_upgrade" })).toMatchObject({
      status: 500,
      reason: "snapshot name 'before_upgrade' already used",
    });
    expect((await t.api.request("POST", "/nodes/pve1/qemu/140/snapshot", { snapname: "1bad name" })).status).toBe(400);

    await t.api.call("PUT", "/nodes/pve1/qemu/140/config", { cores: 12 });
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/140/snapshot/before_upgrade/rollback"));
    expect((await config(140)).cores).toBe(2);
    expect(await t.api.request("POST", "/nodes/pve1/qemu/140/snapshot/nope/rollback")).toMatchObject({ status: 500, reason: "snapshot 'nope' does not exist" });

    await t.api.waitTask(await t.api.call<string>("DELETE", "/nodes/pve1/qemu/140/snapshot/before_upgrade"));
    expect((await list()).map((s) => s.name)).toEqual(["current"]);
  });

  it("PUT cloudinit regenerates and answers null", async () => {
    expect(await t.api.call("PUT", "/nodes/pve1/qemu/140/cloudinit")).toBeNull();
    expect(t.sim.vm(140)?.cloudinit.updates).toBe(1);
  });
});
