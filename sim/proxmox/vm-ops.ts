// VM operations shared by the API and `qm`. As in qemu-server, some checks run before the
// worker forks (a synchronous 500) and others only inside the task (an `exitstatus`).
import { dataDisks, formatSize, parseSize, parseVmid, randomMac, type Vm, type VmConfig } from "./cluster";
import { SNIPPET_VOLID, isTrue } from "./config";
import type { Sim } from "./context";
import { randomUUID } from "node:crypto";
import { ParamError, PveError, configLockTimeout, lockedError, paramError } from "./errors";
import { configLockHeld } from "./power";
import type { TaskFault } from "./faults";
import type { Task } from "./tasks";

export { POWER_ACTIONS, POWER_PARAMS, powerTask, type PowerAction } from "./power";
const DNS_NAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

/** The VM as it is now: a task may end after the VM it was started for is gone. */
export function current(sim: Sim, vm: Vm): Vm {
  const now = sim.cluster.find(vm.vmid);
  if (!now) throw new PveError(`Configuration file 'nodes/${vm.node}/qemu-server/${vm.vmid}.conf' does not exist`);
  return now;
}

export function checkLock(vm: Vm, args: Record<string, string>) {
  if (vm.config.lock && !isTrue(args.skiplock)) throw lockedError(String(vm.config.lock));
}

/**
 * Builds the cloud-init drive the way qemu-server does (`PUT .../cloudinit`, and at every start):
 * the cicustom volumes are read on the VM's own node, so `local:` means that node's disk, and a
 * missing volume fails here, not when `cicustom` was set.
 */
export function regenerateCloudinit(sim: Sim, vm: Vm) {
  const parts = String(vm.config.cicustom ?? "")
    .split(",")
    .filter(Boolean);
  let userData: string | undefined;
  let userVolid: string | undefined;
  for (const part of parts) {
    const m = SNIPPET_VOLID.exec(part);
    if (!m) continue;
    const [, kind, storage, file] = m;
    const data = sim.readSnippet(vm.node, storage, file);
    if (!data) throw new PveError(`volume '${storage}:snippets/${file}' does not exist`);
    if (kind === "user") [userData, userVolid] = [data.toString("utf8"), `${storage}:snippets/${file}`];
  }
  vm.cloudinit = { updates: vm.cloudinit.updates + 1, updatedAt: new Date().toISOString(), userData, userVolid };
}

function cloneConfig(src: Vm, newid: number, args: Record<string, string>): VmConfig {
  const config: VmConfig = {};
  for (const [key, value] of Object.entries(src.config)) {
    if (key === "template" || key === "lock") continue;
    let v = String(value);
    if (/^(scsi|virtio|sata|ide)\d+$/.test(key)) {
      v = v.replace(/^([\w-]+):(?:base|vm)-\d+-(disk-\d+|cloudinit)/, (_m, storage: string, disk: string) => `${args.storage ?? storage}:vm-${newid}-${disk}`);
    }
    if (/^net\d+$/.test(key)) v = v.replace(/=([0-9A-F]{2}:){5}[0-9A-F]{2}/i, `=${randomMac()}`);
    config[key] = typeof value === "number" ? value : v;
  }
  config.name = args.name ?? `Copy-of-VM-${src.config.name ?? src.vmid}`;
  if (args.description !== undefined) config.description = args.description;
  config.vmgenid = randomUUID();
  config.smbios1 = `uuid=${randomUUID()}`;
  config.lock = "clone";
  return config;
}

// qemu-server's clone_vm `$load_and_check`: run before forking (a synchronous 500/403) and again
// inside the worker once the locks are held.
function checkClone(sim: Sim, src: Vm, newid: number, args: Record<string, string>) {
  if (args.storage !== undefined && args.storage !== "local-lvm") throw new PveError(`storage '${args.storage}' does not exist`);
  if (src.config.lock) throw lockedError(String(src.config.lock));
  // $check_storage_access_clone and check_bridge_access (PVE::GuestHelpers::check_vnet_access).
  for (const disk of dataDisks(src.config)) {
    const sid = args.storage ?? String(src.config[disk.key]).split(":")[0];
    sim.permissions.check(`/storage/${sid}`, ["Datastore.AllocateSpace"]);
  }
  for (const [key, value] of Object.entries(src.config)) {
    const bridge = /^net\d+$/.test(key) ? /(?:^|,)bridge=([^,]+)/.exec(String(value))?.[1] : undefined;
    if (bridge) sim.permissions.check(`/sdn/zones/localnetwork/${bridge}`, ["SDN.Use"]);
  }
  if (sim.cluster.find(newid)) throw new PveError(`unable to create VM ${newid}: config file already exists`);
}

/**
 * POST clone (qemu-server PVE/API2/Qemu.pm clone_vm): the new config is written INSIDE the task.
 * First a temporary file "# qmclone temporary file\nlock: clone" (GET config shows it as
 * `description: qmclone temporary file`, `lock: clone`), the real config once the first disk is
 * copied, the lock removed at the end. A failure unlinks the config; a lock timeout happens
 * before anything is written.
 */
export function cloneTask(sim: Sim, src: Vm, args: Record<string, string>, fault?: TaskFault): Task {
  if (args.newid === undefined) throw paramError("newid", "property is missing and it is not optional");
  const newid = parseVmid(args.newid, "newid");
  if (args.name !== undefined && !DNS_NAME.test(args.name)) throw paramError("name", "invalid format - value does not look like a valid DNS name");
  const target = args.target ?? src.node;
  sim.cluster.node(target);
  checkClone(sim, src, newid, args);

  // A template clones linked by default (qemu-server clone_vm: `full` defaults to 0 for templates):
  // a thin copy-on-write volume, near-instant; a full clone copies every byte of the disks.
  const full = args.full === undefined ? !src.config.template : isTrue(args.full);
  const bytes = dataDisks(src.config).reduce((sum, d) => sum + d.size, 0);
  const MBps = sim.settings.cloneMBps;
  const durationMs = !full ? sim.settings.shortTaskDurationMs : MBps > 0 ? Math.round((bytes / 1024 ** 2 / MBps) * 1000) : sim.settings.taskDurationMs;
  let created: Vm | undefined;
  return sim.tasks.start({
    node: src.node,
    type: "qmclone",
    id: src.vmid,
    user: sim.user,
    durationMs,
    fault,
    log: [`create ${full ? "full" : "linked"} clone of drive scsi0 (${src.config.scsi0 ?? "none"})`],
    begin: () => {
      checkClone(sim, src, newid, args);
      created = sim.cluster.add({ vmid: newid, node: src.node, config: { description: "qmclone temporary file", lock: "clone" }, disk: src.disk });
    },
    midway: () => {
      if (created && sim.cluster.find(newid) === created) created.config = cloneConfig(src, newid, args);
    },
    run: () => {
      if (!created) throw new PveError(`unable to create VM ${newid}: config file already exists`);
      const vm = current(sim, created);
      if (vm.config.description === "qmclone temporary file") vm.config = cloneConfig(src, newid, args);
      // Helpers::clone_vmfw_conf: the new guest starts with the source's firewall file.
      sim.firewall.cloneTo(src.vmid, newid);
      delete vm.config.lock;
      vm.node = target;
    },
    onFail: () => {
      if (created && sim.cluster.find(newid) === created) sim.cluster.vms.delete(newid);
      if (created) sim.firewall.remove(newid);
    },
  });
}

export function destroyTask(sim: Sim, vm: Vm, args: Record<string, string>, fault?: TaskFault): Task {
  if (vm.status === "running") throw new PveError(`VM ${vm.vmid} is running - destroy failed`);
  if (isTrue(String(vm.config.protection ?? ""))) throw new PveError(`can't remove VM ${vm.vmid} - protection mode enabled`);
  return sim.tasks.start({
    node: vm.node,
    type: "qmdestroy",
    id: vm.vmid,
    user: sim.user,
    durationMs: sim.settings.shortTaskDurationMs,
    fault,
    run: () => {
      const v = current(sim, vm);
      if (configLockHeld(sim, v)) throw configLockTimeout(v.vmid);
      if (v.status === "running") throw new PveError(`VM ${v.vmid} is running - destroy failed`);
      checkLock(v, args);
      sim.cluster.vms.delete(v.vmid);
      // The destroy worker removes the guest's firewall file (remove_vmfw_conf) with it.
      sim.firewall.remove(v.vmid);
      sim.events.emit("vm-destroyed", v);
    },
  });
}

/**
 * PUT resize returns a UPID (qemu-server >= 8.0): past the parameter schema every check runs in
 * the worker under the config lock, so digest, lock, missing disk, storage permission and shrink
 * errors are the task's exitstatus (PVE/API2/Qemu.pm resize_vm `$updatefn`).
 */
export function resizeTask(sim: Sim, vm: Vm, args: Record<string, string>, fault?: TaskFault): Task {
  const errors: Record<string, string> = {};
  if (args.disk === undefined) errors.disk = "property is missing and it is not optional";
  else if (!/^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/.test(args.disk)) errors.disk = `value '${args.disk}' does not have a value in the enumeration`;
  if (args.size === undefined) errors.size = "property is missing and it is not optional";
  else if (!/^\+?\d+(\.\d+)?[KMGT]?$/.test(args.size)) errors.size = "value does not match the regex pattern";
  if (Object.keys(errors).length) throw new ParamError(errors);

  return sim.tasks.start({
    node: vm.node,
    type: "resize",
    id: vm.vmid,
    user: sim.user,
    durationMs: sim.settings.shortTaskDurationMs,
    fault,
    run: () => {
      const v = current(sim, vm);
      if (configLockHeld(sim, v)) throw configLockTimeout(v.vmid);
      if (args.digest && args.digest !== sim.cluster.digest(v)) throw new PveError("checksum mismatch (file change by other user?)");
      checkLock(v, args);
      if (v.config[args.disk] === undefined) throw new PveError(`disk '${args.disk}' does not exist`);
      const disk = dataDisks(v.config).find((d) => d.key === args.disk);
      if (!disk) throw new PveError("you can't resize a cdrom");
      sim.permissions.check(`/storage/${String(v.config[disk.key]).split(":")[0]}`, ["Datastore.AllocateSpace"]);
      const grow = args.size.startsWith("+");
      const amount = parseSize(args.size.replace(/^\+/, ""))!;
      const newSize = grow ? disk.size + amount : amount;
      if (newSize < disk.size) throw new PveError("shrinking disks is not supported");
      const value = String(v.config[disk.key]);
      v.config[disk.key] = /(?:^|,)size=/.test(value) ? value.replace(/size=[^,]+/, `size=${formatSize(newSize)}`) : `${value},size=${formatSize(newSize)}`;
    },
  });
}
