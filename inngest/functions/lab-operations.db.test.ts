// The lab (issue 20) through the real functions on the executor stand-in: the snapshot timeline
// (take, change, roll back, limit, delete), backups (schedule by the node's clock, retention,
// restore), rebuild in place (same VM, hostname, tunnel, DNS; current keys; new password; built
// once), one operation per VM with power, the billing gate, and owner-only requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { openSecret } from "@/lib/crypto/secret-box";
import { cloudflareSim, generatePublicKey, proxmox } from "@/test/fixtures/provisioning";
import { operationEnd, startLab, type LabWorld } from "@/test/fixtures/lab";

let lab: LabWorld;
beforeAll(async () => {
  // 8 s to report in: the stand-in's guests take half a second; the failing rebuild waits it out.
  lab = await startLab({ GUEST_READY_TIMEOUT_SECONDS: "8" });
});
afterAll(() => lab?.close());

const ask = (vm: { userId: string; vmId: string }, request: Parameters<LabWorld["lib"]["requestVmOperation"]>[0]["request"], requestKey = randomUUID()) =>
  lab.lib.requestVmOperation({ userId: vm.userId, vmId: vm.vmId, requestKey, request });
const done = async (queued: { operationId: string } | null) => {
  const op = await operationEnd(queued!.operationId);
  expect({ status: op.status, error: op.error }).toEqual({ status: "done", error: null });
  return op;
};

describe("snapshot timeline", () => {
  it("issue 20: a labelled snapshot, a change inside the VM, a rollback: the disk is the snapshot's and the VM runs again", async () => {
    const vm = await lab.provision();
    await proxmox.writeFile(vm.vmid!, "/etc/frr/frr.conf", "router bgp 65001");
    await done(await ask(vm, { kind: "snapshot_create", label: "before BGP", description: "working config", withRam: false }));
    const [snapshot] = await db.vmSnapshot.findMany({ where: { vmId: vm.vmId } });
    expect(snapshot).toMatchObject({ label: "before BGP", status: "ready", withRam: false });
    expect(snapshot.takenAt).not.toBeNull();
    expect((await proxmox.vm(vm.vmid!))?.config).toBeDefined();
    await proxmox.writeFile(vm.vmid!, "/etc/frr/frr.conf", "router bgp 65001\n neighbor 10.0.0.2 remote-as 666 (broken on purpose)");
    await done(await ask(vm, { kind: "snapshot_rollback", snapshotId: snapshot.id }));
    expect((await proxmox.disk(vm.vmid!))["/etc/frr/frr.conf"]).toBe("router bgp 65001");
    // disk only: Proxmox leaves the VM stopped; it was running, so it was started again
    expect((await proxmox.vm(vm.vmid!))?.status).toBe("running");
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } })).status).toBe("running");
  });

  it("I10: the plan's snapshot limit refuses one more (field error, nothing written); RAM only where the plan allows; delete frees a place", async () => {
    const vm = await lab.provision();
    await db.plan.update({ where: { id: vm.planId }, data: { snapshotLimit: 2 } });
    await done(await ask(vm, { kind: "snapshot_create", label: "one", description: "", withRam: false }));
    // (the app's modules were loaded afresh for this executor: errors are matched by shape, not class)
    await expect(ask(vm, { kind: "snapshot_create", label: "ram", description: "", withRam: true })).rejects.toMatchObject({ field: "withRam" });
    await done(await ask(vm, { kind: "snapshot_create", label: "two", description: "", withRam: false }));
    const third = ask(vm, { kind: "snapshot_create", label: "three", description: "", withRam: false });
    await expect(third).rejects.toMatchObject({ field: "label", message: "Your plan keeps 2 snapshots. Delete one to take another." });
    expect(await db.vmSnapshot.count({ where: { vmId: vm.vmId } })).toBe(2);
    expect(await db.vmOperation.count({ where: { vmId: vm.vmId } })).toBe(2);
    const [newest, oldest] = await db.vmSnapshot.findMany({ where: { vmId: vm.vmId }, orderBy: { createdAt: "desc" } });
    expect(newest.label).toBe("two");
    await done(await ask(vm, { kind: "snapshot_delete", snapshotId: oldest.id }));
    expect((await db.vmSnapshot.findUniqueOrThrow({ where: { id: oldest.id } })).status).toBe("deleted");
    const listed = await fetchSnapshots(vm.vmid!);
    expect(listed).not.toContain(oldest.name);
    expect(listed).toContain(newest.name);
    await done(await ask(vm, { kind: "snapshot_create", label: "three", description: "", withRam: false }));
  });

  it("I5, one operation per VM: another user's VM is not found; a power click while a snapshot runs is refused, and the other way round", async () => {
    const vm = await lab.provision();
    const stranger = await db.user.create({ data: { email: `stranger.${randomUUID()}@example.test`, name: "Stranger", passwordHash: "x" } });
    expect(await lab.lib.requestVmOperation({ userId: stranger.id, vmId: vm.vmId, requestKey: randomUUID(), request: { kind: "backup_create" } })).toBeNull();
    await proxmox.fault({ method: "POST", path: `/qemu/${vm.vmid}/snapshot$`, kind: "slowTask", ms: 1_500, times: 1 });
    const queued = await ask(vm, { kind: "snapshot_create", label: "slow", description: "", withRam: false });
    await expect(lab.lib.requestPower({ userId: vm.userId, vmId: vm.vmId, action: "reboot" })).rejects.toThrow(/Another operation is in progress/);
    await expect(ask(vm, { kind: "backup_create" })).rejects.toThrow(/Another operation is in progress/);
    await done(queued);
    const power = await lab.lib.requestPower({ userId: vm.userId, vmId: vm.vmId, action: "reboot" });
    await expect(ask(vm, { kind: "backup_create" })).rejects.toThrow(/Another operation is in progress/);
    await expect
      .poll(async () => (await db.powerRequest.findUniqueOrThrow({ where: { id: power!.powerRequestId } })).status, { timeout: 20_000 })
      .not.toMatch(/pending|running/);
  });
});

async function fetchSnapshots(vmid: number): Promise<string[]> {
  const { listSnapshots } = await import("@/lib/proxmox/api");
  return (await listSnapshots("pve1", vmid)).map((s) => s.name);
}

describe("backups", () => {
  it("issue 20: daily backups fall due by the node's clock, keep the plan's count, and a restore puts the VM back (its snapshots gone)", async () => {
    const vm = await lab.provision();
    await db.plan.update({ where: { id: vm.planId }, data: { backupRetention: 1 } });
    expect(await lab.lib.setBackupSchedule(vm.userId, vm.vmId, "daily")).toBe(true);
    const tick = async () => (await lab.sim.fireCron("lab-vps-backup-schedule")).id;
    const tickDone = async () => {
      const id = await tick();
      await expect.poll(() => lab.sim.run(id)?.status, { timeout: 20_000 }).toBe("Completed");
      return lab.sim.run(id)!.output as { queued: number };
    };
    // the first tick sets the first slot, a day ahead on the node's clock: nothing due yet
    expect((await tickDone()).queued).toBe(0);
    const next = (await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } })).nextBackupAt!;
    expect((await tickDone()).queued).toBe(0);
    await proxmox.writeFile(vm.vmid!, "/root/lab.txt", "monday");
    await proxmox.advanceClock(86_400 + 60);
    expect((await tickDone()).queued).toBe(1);
    const scheduledOp = await db.vmOperation.findFirstOrThrow({ where: { vmId: vm.vmId, kind: "backup_create" } });
    await done({ operationId: scheduledOp.id });
    const [first] = await db.vmBackup.findMany({ where: { vmId: vm.vmId } });
    expect(first).toMatchObject({ status: "ready", scheduled: true, node: "pve1", storage: "local" });
    expect(Number(first.sizeBytes)).toBeGreaterThan(0);
    expect(first.takenAt!.getTime()).toBeGreaterThanOrEqual(next.getTime());
    // the slot moved a day on; the same tick again adds nothing
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } })).nextBackupAt!.getTime()).toBe(next.getTime() + 86_400_000);
    expect((await tickDone()).queued).toBe(0);

    // "back up now": retention 1 removes the older one, in our records and on the storage
    await proxmox.writeFile(vm.vmid!, "/root/lab.txt", "tuesday");
    await proxmox.advanceClock(3_600);
    await done(await ask(vm, { kind: "backup_create" }));
    const ready = await db.vmBackup.findMany({ where: { vmId: vm.vmId, status: "ready" } });
    expect(ready).toHaveLength(1);
    expect((await db.vmBackup.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("deleted");
    expect((await proxmox.backups()).map((b) => b.volid)).not.toContain(first.volid);

    // restore over the VM: its disk is the backup's, its snapshots are gone, it runs again
    await done(await ask(vm, { kind: "snapshot_create", label: "after backup", description: "", withRam: false }));
    await proxmox.writeFile(vm.vmid!, "/root/lab.txt", "wednesday");
    await done(await ask(vm, { kind: "backup_restore", backupId: ready[0].id }));
    expect((await proxmox.disk(vm.vmid!))["/root/lab.txt"]).toBe("tuesday");
    expect(await fetchSnapshots(vm.vmid!)).toEqual(["current"]);
    expect(await db.vmSnapshot.count({ where: { vmId: vm.vmId, status: { not: "deleted" } } })).toBe(0);
    expect((await proxmox.vm(vm.vmid!))?.status).toBe("running");
  });

  it("I6: from the ladder's backups_blocked rung, snapshots and backups are refused (402) and the schedule skips the VM", async () => {
    const vm = await lab.provision();
    const order = await db.order.findUniqueOrThrow({ where: { id: vm.orderId } });
    await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub_row_${vm.orderId}`,
        stripeSubscriptionId: `sub_${vm.orderId}`,
        userId: order.userId,
        orderId: vm.orderId,
        state: "backups_blocked",
        overdueSince: new Date(), // the overdue story (#16): the rung reached by an unpaid invoice
      },
    });
    await expect(ask(vm, { kind: "backup_create" })).rejects.toMatchObject({
      status: 402,
      message: expect.stringMatching(/snapshots and backups of this VM are blocked/),
    });
    await expect(ask(vm, { kind: "snapshot_create", label: "x", description: "", withRam: false })).rejects.toMatchObject({ status: 402 });
    await db.vm.update({ where: { id: vm.vmId }, data: { backupSchedule: "daily", nextBackupAt: new Date(0) } });
    const id = (await lab.sim.fireCron("lab-vps-backup-schedule")).id;
    await expect.poll(() => lab.sim.run(id)?.status, { timeout: 20_000 }).toBe("Completed");
    expect(await db.vmOperation.count({ where: { vmId: vm.vmId } })).toBe(0);
    await db.billingEnforcement.deleteMany({ where: { orderId: vm.orderId } });
    await db.vm.update({ where: { id: vm.vmId }, data: { backupSchedule: "none", nextBackupAt: null } });
  });
});

describe("rebuild", () => {
  it("issue 20, I3: rebuild keeps the VM, hostname, tunnel and DNS, uses the current keys and a new password, removes snapshots first, and builds once under duplicated requests", async () => {
    const vm = await lab.provision();
    await done(await ask(vm, { kind: "snapshot_create", label: "old", description: "", withRam: false }));
    await proxmox.writeFile(vm.vmid!, "/root/lab.txt", "old system");
    const before = await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } });
    const newKey = generatePublicKey("new@laptop");
    await db.sshKey.create({
      data: {
        userId: vm.userId,
        name: "new laptop",
        publicKey: newKey.split(" ").slice(0, 2).join(" "),
        fingerprint: `fp-${randomUUID()}`,
        keyType: "ssh-ed25519",
      },
    });
    const name = before.name;
    await expect(ask(vm, { kind: "rebuild", templateId: null, confirmHostname: `${name}x` })).rejects.toMatchObject({ field: "confirmHostname" });

    const mark = await proxmox.mark();
    const key = randomUUID();
    // a double submit (same form key), twice at once and once more after
    const [a, b] = await Promise.all([
      ask(vm, { kind: "rebuild", templateId: null, confirmHostname: name }, key),
      ask(vm, { kind: "rebuild", templateId: null, confirmHostname: name }, key),
    ]);
    expect(a!.operationId).toBe(b!.operationId);
    const again = await ask(vm, { kind: "rebuild", templateId: null, confirmHostname: name }, key);
    expect(again).toEqual({ operationId: a!.operationId, duplicate: true });
    await done(a);

    const after = await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } });
    expect(after).toMatchObject({
      status: "running",
      vmid: before.vmid,
      nodeName: before.nodeName,
      name,
      tunnelId: before.tunnelId,
      sshHostname: before.sshHostname,
      sshDnsRecordId: before.sshDnsRecordId,
      nestedVirt: true,
    });
    expect(openSecret(after.passwordCiphertext!, env().VM_SECRET_KEY)).not.toBe(openSecret(before.passwordCiphertext!, env().VM_SECRET_KEY));
    const log = await proxmox.requests(mark);
    expect(log.filter((r) => r.method === "POST" && r.path.endsWith("/clone") && r.params.newid === String(before.vmid))).toHaveLength(1);
    expect(log.filter((r) => r.method === "DELETE" && r.path === `/nodes/pve1/qemu/${before.vmid}`)).toHaveLength(1);
    // snapshots first, then the old system
    const snapDelete = log.findIndex((r) => r.method === "DELETE" && r.path.includes(`/qemu/${before.vmid}/snapshot/`));
    const destroy = log.findIndex((r) => r.method === "DELETE" && r.path === `/nodes/pve1/qemu/${before.vmid}`);
    expect(snapDelete).toBeGreaterThanOrEqual(0);
    expect(snapDelete).toBeLessThan(destroy);
    expect(await db.vmSnapshot.count({ where: { vmId: vm.vmId, status: { not: "deleted" } } })).toBe(0);
    // a fresh disk; the new user-data has the account's keys now
    expect((await proxmox.disk(before.vmid!))["/root/lab.txt"]).toBeUndefined();
    const booted = (await proxmox.vm(before.vmid!))!.bootedWith!.userData!;
    expect(booted).toContain(newKey.split(" ")[1]);
    // the same tunnel, connected again; the same DNS record pointing at it
    const { tunnels, dns_records } = await cloudflareSim.state();
    expect(tunnels.filter((t) => t.name === `labvps-vm-${vm.vmId}` && !t.deleted_at).map((t) => t.id)).toEqual([before.tunnelId]);
    expect(dns_records.filter((r) => r.id === before.sshDnsRecordId)).toHaveLength(1);
    expect(await db.vmOperation.count({ where: { vmId: vm.vmId, kind: "rebuild" } })).toBe(1);
  });

  it("I8: a rebuild whose guest never reports in compensates like provisioning (its clone destroyed, the VM's VMID, tunnel and DNS kept); a second rebuild works", async () => {
    const vm = await lab.provision();
    await db.sshKey.create({
      data: {
        userId: vm.userId,
        name: "k",
        publicKey: generatePublicKey().split(" ").slice(0, 2).join(" "),
        fingerprint: `fp-${randomUUID()}`,
        keyType: "ssh-ed25519",
      },
    });
    const before = await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } });
    await proxmox.guestAgent({ vmid: before.vmid!, agent: "silent" });
    try {
      const failed = await operationEnd((await ask(vm, { kind: "rebuild", templateId: null, confirmHostname: before.name }))!.operationId, 90_000);
      expect(failed.status).toBe("failed");
      expect(failed.customerMessage).toMatch(/couldn't rebuild/);
      // the failure handler's next step compensates
      await expect.poll(async () => (await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } })).status, { timeout: 20_000 }).toBe("failed");
      expect(await proxmox.vm(before.vmid!)).toBeUndefined();
      expect(await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } })).toMatchObject({
        vmid: before.vmid,
        tunnelId: before.tunnelId,
        sshDnsRecordId: before.sshDnsRecordId,
      });
      expect(await db.vmidReservation.findUnique({ where: { vmid: before.vmid! } })).not.toBeNull();
    } finally {
      await proxmox.resetGuestAgent();
    }
    await done(await ask(vm, { kind: "rebuild", templateId: null, confirmHostname: before.name }));
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.vmId } })).status).toBe("running");
  });
});
