// Snapshots: each task holds a `lock` property while it runs (snapshot, rollback,
// snapshot-delete), so other config writers see "VM is locked (...)" meanwhile.
import type { Vm } from "./cluster";
import { isTrue } from "./config";
import type { Sim } from "./context";
import { PveError, configLockTimeout, lockedError, paramError } from "./errors";
import { configLockHeld } from "./power";
import type { TaskFault } from "./faults";
import type { Task } from "./tasks";

const SNAPNAME = /^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/;

export function listSnapshots(vm: Vm) {
  const withParent = (parent?: string) => (parent ? { parent } : {});
  return [
    ...vm.snapshots.map((s) => ({
      name: s.name,
      description: s.description,
      snaptime: s.snaptime,
      ...(s.vmstate ? { vmstate: 1 } : {}),
      ...withParent(s.parent),
    })),
    { name: "current", description: "You are here!", running: vm.status === "running" ? 1 : 0, ...withParent(vm.parentSnapshot) },
  ];
}

function findSnapshot(vm: Vm, name: string) {
  const snap = vm.snapshots.find((s) => s.name === name);
  if (!snap) throw new PveError(`snapshot '${name}' does not exist`);
  return snap;
}

function lockedTask(sim: Sim, vm: Vm, lock: string, type: string, fault: TaskFault | undefined, run: (v: Vm) => void): Task {
  if (configLockHeld(sim, vm)) throw configLockTimeout(vm.vmid);
  if (vm.config.lock) throw lockedError(String(vm.config.lock));
  vm.config.lock = lock;
  const release = () => {
    const v = sim.cluster.find(vm.vmid);
    if (v?.config.lock === lock) delete v.config.lock;
  };
  return sim.tasks.start({
    node: vm.node,
    type,
    id: vm.vmid,
    user: sim.user,
    durationMs: sim.settings.shortTaskDurationMs,
    fault,
    run: () => {
      const v = sim.cluster.find(vm.vmid);
      if (!v) throw new PveError(`Configuration file 'nodes/${vm.node}/qemu-server/${vm.vmid}.conf' does not exist`);
      release();
      run(v);
    },
    onFail: release,
  });
}

export function createSnapshot(sim: Sim, vm: Vm, args: Record<string, string>, fault?: TaskFault): Task {
  const name = args.snapname;
  if (name === undefined) throw paramError("snapname", "property is missing and it is not optional");
  if (!SNAPNAME.test(name) || name === "current") throw paramError("snapname", `invalid format - invalid configuration ID '${name}'`);
  if (args.vmstate !== undefined && !/^(0|1)$/.test(args.vmstate)) throw paramError("vmstate", `type check ('boolean') failed - got '${args.vmstate}'`);
  if (vm.snapshots.some((s) => s.name === name)) throw new PveError(`snapshot name '${name}' already used`);
  // AbstractConfig snapshot_prepare: the RAM is saved only of a running VM ($save_vmstate = 0 otherwise).
  const vmstate = isTrue(args.vmstate) && vm.status === "running" ? 1 : 0;
  return lockedTask(sim, vm, "snapshot", "qmsnapshot", fault, (v) => {
    const { lock: _lock, ...config } = { ...v.config, ...v.pending };
    for (const key of v.pendingDelete) delete config[key];
    v.snapshots.push({
      name,
      description: args.description ?? "",
      snaptime: sim.clock.epoch(),
      vmstate,
      parent: v.parentSnapshot,
      config,
      disk: { ...v.disk },
    });
    v.parentSnapshot = name;
  });
}

/**
 * AbstractConfig snapshot_rollback: the VM is stopped first; a snapshot with RAM resumes it
 * running (its saved state), one without leaves it stopped unless `start` (qemu-server 8.1+).
 */
export function rollbackSnapshot(sim: Sim, vm: Vm, name: string, args: Record<string, string>, fault?: TaskFault): Task {
  const snap = findSnapshot(vm, name);
  if (args.start !== undefined && !/^(0|1)$/.test(args.start)) throw paramError("start", `type check ('boolean') failed - got '${args.start}'`);
  return lockedTask(sim, vm, "rollback", "qmrollback", fault, (v) => {
    if (v.status === "running") sim.events.emit("vm-stopped", v.vmid);
    v.config = { ...snap.config };
    v.disk = { ...snap.disk };
    v.pending = {};
    v.pendingDelete = [];
    v.parentSnapshot = snap.name;
    Object.assign(v, { status: "stopped", qmpstatus: "stopped", startedAt: undefined });
    if (snap.vmstate || isTrue(args.start)) {
      Object.assign(v, { status: "running", qmpstatus: "running", startedAt: Date.now() });
      sim.events.emit("vm-started", v);
    }
  });
}

export function deleteSnapshot(sim: Sim, vm: Vm, name: string, fault?: TaskFault): Task {
  const snap = findSnapshot(vm, name);
  return lockedTask(sim, vm, "snapshot-delete", "qmdelsnapshot", fault, (v) => {
    v.snapshots = v.snapshots.filter((s) => s !== snap);
    for (const s of v.snapshots) if (s.parent === snap.name) s.parent = snap.parent;
    if (v.parentSnapshot === snap.name) v.parentSnapshot = snap.parent;
  });
}
