// Contract tests for the behaviours the real Proxmox VE has and a lenient stand-in would hide,
// run once as PVE 8 and once as PVE 9 (sources: qemu-server PVE/API2/Qemu.pm, pve-manager
// PVE/API2/Cluster.pm, pve-access-control PVE/RPCEnvironment.pm).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestSim, cloneReady, control, sshOnNode, startTestSim } from "./testkit";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOd9HTUdyW2kwEMhHz0WZbNlkySM9qATSTWFhC99IfOI lab@x";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([8, 9] as const)("PVE %i", (version) => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({
      pveVersion: version,
      nodes: [{ name: "pve1" }, { name: "pve2" }],
      templates: [
        { vmid: 9000, name: "tpl", node: "pve1" },
        { vmid: 9100, name: "tpl2", node: "pve2" },
      ],
      taskDurationMs: 400,
      shortTaskDurationMs: 40,
    });
  });
  afterAll(() => t.stop());
  const config = (vmid: number, node = "pve1") => t.api.call<Record<string, string | number>>("GET", `/nodes/${node}/qemu/${vmid}/config`);

  it("reports its version and puts the error text in the body only from PVE 9", async () => {
    expect(await t.api.call("GET", "/version")).toMatchObject({ release: `${version}.${version === 8 ? 4 : 1}` });
    const missing = await t.api.request("GET", "/nodes/pve1/qemu/4242/config");
    expect(missing).toMatchObject({ status: 500, reason: "Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist" });
    expect(missing.body).toEqual(
      version === 9 ? { data: null, message: "Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist\n" } : { data: null },
    );
  });

  it("clone: a temporary config inside the task, the real one after the first disk, then unlocked", async () => {
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid: 201, name: "lab-201", full: 1 });
    const early = await config(201);
    expect(early).toMatchObject({ description: "qmclone temporary file", lock: "clone" });
    expect(early.name).toBeUndefined();
    let copied = early;
    while (copied.name === undefined) [copied] = await Promise.all([config(201), sleep(10)]);
    expect(copied).toMatchObject({ name: "lab-201", lock: "clone", scsi0: "local-lvm:vm-201-disk-0,size=32G" });
    expect((await t.api.waitTask(upid)).exitstatus).toBe("OK");
    expect((await config(201)).lock).toBeUndefined();
    // the early check before forking still refuses a taken id synchronously
    expect(await t.api.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 201 })).toMatchObject({
      status: 500,
      reason: "unable to create VM 201: config file already exists",
    });
  });

  it("clone: a busy lock is the task's exitstatus, and the failed clone leaves no config", async () => {
    t.sim.setFault({ method: "POST", path: "/clone$", kind: "configLock", times: 1 });
    const upid = await t.api.call<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid: 202, name: "lab-202", full: 1 });
    expect(t.sim.vm(202)).toBeUndefined();
    expect((await t.api.waitTask(upid)).exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-202.conf' - got timeout");
    expect(t.sim.vm(202)).toBeUndefined();
    expect(await t.api.call("GET", "/cluster/nextid", { vmid: 202 })).toBe("202");
  });

  it("resize and start: lock and digest errors are the task's exitstatus, not an HTTP error", async () => {
    await cloneReady(t, 210);
    const digest = String((await config(210)).digest);
    await t.api.call("PUT", "/nodes/pve1/qemu/210/config", { cores: 3 });
    const stale = await t.api.request("PUT", "/nodes/pve1/qemu/210/resize", { disk: "scsi0", size: "40G", digest });
    expect(stale.status).toBe(200);
    expect((await t.api.waitTask(String(stale.body.data))).exitstatus).toBe("checksum mismatch (file change by other user?)");
    t.sim.setLock(210, "backup");
    expect((await t.api.waitTask(await t.api.call<string>("PUT", "/nodes/pve1/qemu/210/resize", { disk: "scsi0", size: "40G" }))).exitstatus).toBe(
      "VM is locked (backup)",
    );
    expect((await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/210/status/start"))).exitstatus).toBe("VM is locked (backup)");
    t.sim.setLock(210, null);
    t.sim.setFault({ method: "POST", path: "/status/start$", kind: "configLock", times: 1 });
    expect((await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/210/status/start"))).exitstatus).toBe(
      "can't lock file '/var/lock/qemu-server/lock-210.conf' - got timeout",
    );
    expect(t.sim.vm(210)?.status).toBe("stopped");
  });

  it("a bad sshkeys value is a 500 'SSH public key validation error'; cicustom is not checked until the drive is built", async () => {
    await cloneReady(t, 220);
    expect(await t.api.request("PUT", "/nodes/pve1/qemu/220/config", { sshkeys: encodeURIComponent("ssh-ed25519 AAAAnotakey lab@x") })).toMatchObject({
      status: 500,
      reason: "SSH public key validation error",
    });
    expect((await t.api.request("PUT", "/nodes/pve1/qemu/220/config", { sshkeys: encodeURIComponent(KEY) })).status).toBe(200);
    expect((await t.api.request("PUT", "/nodes/pve1/qemu/220/config", { cicustom: "user=local:snippets/later.yaml" })).status).toBe(200);
    expect(await t.api.request("PUT", "/nodes/pve1/qemu/220/cloudinit")).toMatchObject({
      status: 500,
      reason: "volume 'local:snippets/later.yaml' does not exist",
    });
  });

  it("each node has its own SSH host key, `local` snippets and `qm`; a shared storage is the same everywhere", async () => {
    const [one, two] = t.sim.sshNodes;
    expect(one.port).not.toBe(two.port);
    expect(one.hostFingerprint).not.toBe(two.hostFingerprint);
    const upid = await t.api.call<string>("POST", "/nodes/pve2/qemu/9100/clone", { newid: 230, name: "lab-230", full: 1 });
    await t.api.waitTask(upid);
    await sshOnNode(t, "pve2", { write: { path: "/var/lib/vz/snippets/labvps-230.yaml", content: "#cloud-config\n" } });
    expect(
      t.sim
        .snippets()
        .filter((s) => s.name === "labvps-230.yaml")
        .map((s) => s.node),
    ).toEqual(["pve2"]);
    expect((await sshOnNode(t, "pve1", { exec: "test -f /var/lib/vz/snippets/labvps-230.yaml" })).code).toBe(1);
    // qm on pve1 does not find a VM whose config lives on pve2 (PVE::QemuConfig->load_config)
    expect(await sshOnNode(t, "pve1", { exec: "qm cloudinit update 230" })).toMatchObject({
      code: 255,
      stderr: "Configuration file 'nodes/pve1/qemu-server/230.conf' does not exist\n",
    });
    expect((await sshOnNode(t, "pve2", { exec: "qm cloudinit update 230" })).code).toBe(0);

    await t.api.call("PUT", "/nodes/pve2/qemu/230/config", { cicustom: "user=snippets-shared:snippets/shared-230.yaml" });
    await sshOnNode(t, "pve1", { write: { path: "/mnt/pve/snippets-shared/snippets/shared-230.yaml", content: "#cloud-config\nhostname: lab-230\n" } });
    await t.api.call("PUT", "/nodes/pve2/qemu/230/cloudinit");
    expect((await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve2/qemu/230/status/start"))).exitstatus).toBe("OK");
    expect(t.sim.vm(230)?.bootedWith).toMatchObject({
      node: "pve2",
      cicustom: "snippets-shared:snippets/shared-230.yaml",
      userData: "#cloud-config\nhostname: lab-230\n",
    });
  });

  describe("token permissions", () => {
    afterAll(() => t.sim.setAcl(null));

    it("a missing privilege is a 403 naming path and privilege; cluster/resources hides what the token cannot audit", async () => {
      t.sim.setAcl([
        { path: "/vms", privs: ["VM.Audit", "VM.Clone"] },
        { path: "/storage", privs: ["Datastore.AllocateSpace"] },
        { path: "/sdn/zones/localnetwork", privs: ["SDN.Use"] },
      ]);
      const denied = await t.api.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 240, full: 1 });
      expect(denied).toMatchObject({ status: 403, reason: "Permission check failed (/vms/240, VM.Allocate)" });
      t.sim.setAcl([
        { path: "/vms/9000", privs: ["VM.Audit", "VM.Clone"] },
        { path: "/vms/9000", privs: ["VM.Allocate"] },
      ]);
      const vms = await t.api.call<Array<{ vmid: number }>>("GET", "/cluster/resources", { type: "vm" });
      expect(vms.map((v) => v.vmid)).toEqual([9000]);
      expect(await t.api.call("GET", "/cluster/nextid", { vmid: 201 }).catch((e) => e.response.status)).toBe(400);
      expect(await t.api.request("GET", "/nodes/pve1/qemu/201/config")).toMatchObject({ status: 403, reason: "Permission check failed (/vms/201, VM.Audit)" });
      expect(await t.api.call("GET", "/access/permissions", { path: "/vms/9000" })).toEqual({
        "/vms/9000": { "VM.Allocate": 1, "VM.Audit": 1, "VM.Clone": 1 },
      });
    });

    it("cloud-init keys need VM.Config.Cloudinit or VM.Config.Network; PUT cloudinit needs VM.Config.Cloudinit", async () => {
      t.sim.setAcl([{ path: "/vms", privs: ["VM.Audit", "VM.Config.CPU"] }]);
      expect(await t.api.request("PUT", "/nodes/pve1/qemu/220/config", { cicustom: "user=local:snippets/x.yaml" })).toMatchObject({
        status: 403,
        reason: "Permission check failed (/vms/220, VM.Config.Cloudinit|VM.Config.Network)",
      });
      expect(await t.api.request("PUT", "/nodes/pve1/qemu/220/cloudinit")).toMatchObject({
        status: 403,
        reason: "Permission check failed (/vms/220, VM.Config.Cloudinit)",
      });
      expect((await t.api.request("PUT", "/nodes/pve1/qemu/220/config", { cores: 2 })).status).toBe(200);
    });

    it(`knows PVE ${version}'s privilege names`, async () => {
      const other = version === 8 ? "VM.GuestAgent.Audit" : "VM.Monitor";
      const res = await control(t.sim, "PUT", "/_sim/acl", { acl: [{ path: "/", privs: [other] }] });
      expect(res).toMatchObject({ status: 400, json: { error: `invalid privilege '${other}' (PVE ${version})` } });
    });
  });
});
