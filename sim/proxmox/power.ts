// Power actions as qemu-server runs them (PVE/API2/Qemu.pm vm_start/vm_stop/vm_shutdown/…,
// PVE/QemuServer.pm vm_stop): each action has its own parameter schema (additionalProperties 0);
// start applies pending changes and refuses more vCPUs than the node has; `shutdown` holds the
// config lock while it waits for the guest, and after its timeout ends with a warning (forceStop)
// or fails "VM quit/powerdown failed - got timeout"; a paused VM refuses a shutdown unless
// forceStop; `stop` during a running shutdown waits for that lock unless `overrule-shutdown=1`;
// an HA-managed VM's power calls queue an `hastart`/`hastop` task that ends at once, before the
// HA stack changed the VM's state.
import type { Vm } from "./cluster";
import { isTrue } from "./config";
import type { Sim } from "./context";
import { PveError, configLockTimeout, paramError } from "./errors";
import type { TaskFault } from "./faults";
import { bridgeExists, parseNic } from "./nic";
import { applyPending } from "./pending";
import type { Task } from "./tasks";
import { checkLock, current, regenerateCloudinit } from "./vm-ops";

export type PowerAction = "start" | "stop" | "shutdown" | "reboot" | "reset" | "suspend" | "resume";
export const POWER_ACTIONS: PowerAction[] = ["start", "stop", "shutdown", "reboot", "reset", "suspend", "resume"];

/** Each action's own parameters (besides node and vmid), from its schema. */
export const POWER_PARAMS: Record<PowerAction, string[]> = {
  start: [
    "skiplock",
    "stateuri",
    "migratedfrom",
    "migration_type",
    "migration_network",
    "machine",
    "timeout",
    "force-cpu",
    "targetstorage",
    "nets-host-mtu",
    "with-conntrack-state",
  ],
  stop: ["skiplock", "migratedfrom", "timeout", "keepActive", "overrule-shutdown"],
  shutdown: ["skiplock", "timeout", "forceStop", "keepActive"],
  reboot: ["timeout"],
  reset: ["skiplock"],
  suspend: ["skiplock", "todisk", "statestorage"],
  resume: ["skiplock", "nocheck"],
};

const NEEDS_RUNNING: PowerAction[] = ["reboot", "reset", "suspend", "resume"];
const ROOT_ONLY = ["skiplock", "keepActive"];

/** Whether another task holds the VM's config lock file (a shutdown waiting for its guest). */
export function configLockHeld(sim: Sim, vm: Vm): boolean {
  const holder = vm.configLockedBy && sim.tasks.get(vm.configLockedBy);
  if (holder && holder.status === "running") return true;
  vm.configLockedBy = undefined;
  return false;
}

/** lock_config: a synchronous writer waits for the lock file, then gives up ("got timeout"). */
export async function waitForConfigLock(sim: Sim, vm: Vm): Promise<void> {
  if (!configLockHeld(sim, vm)) return;
  const deadline = Date.now() + sim.settings.lockTimeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(50, sim.settings.lockTimeoutMs)));
    if (!configLockHeld(sim, vm)) return;
  }
  throw configLockTimeout(vm.vmid);
}

function checkParams(action: PowerAction, args: Record<string, string>) {
  for (const key of ["forceStop", "keepActive", "overrule-shutdown", "skiplock", "todisk", "nocheck"]) {
    if (args[key] !== undefined && !/^(0|1|true|false)$/.test(args[key])) throw paramError(key, `type check ('boolean') failed - got '${args[key]}'`);
  }
  if (args.timeout !== undefined && !/^\d+$/.test(args.timeout)) throw paramError("timeout", `type check ('integer') failed - got '${args.timeout}'`);
  // The token is not root@pam: "Only root may use this option."
  for (const key of ROOT_ONLY) if (isTrue(args[key]) && POWER_PARAMS[action].includes(key)) throw paramError(key, "Only root may use this option.");
}

/** PVE::Network::tap_plug at start: every NIC's bridge must exist on the VM's node. */
function checkBridges(sim: Sim, vm: Vm) {
  for (const [key, value] of Object.entries(vm.config)) {
    if (!/^net\d+$/.test(key)) continue;
    const nic = parseNic(String(value));
    if (!("error" in nic) && nic.bridge && !bridgeExists(sim, vm.node, nic.bridge)) throw new PveError(`bridge '${nic.bridge}' does not exist`);
  }
}

function setRunning(sim: Sim, v: Vm) {
  if (v.config.template) throw new PveError("you can't start a vm if it's a template");
  if (v.status === "running") throw new PveError(`VM ${v.vmid} already running`);
  const cores = Number(v.pending.cores ?? v.config.cores ?? 1) * Number(v.pending.sockets ?? v.config.sockets ?? 1);
  const allowed = sim.cluster.node(v.node).cores;
  if (allowed < cores) throw new PveError(`MAX ${allowed} vcpus allowed per VM on this node`);
  regenerateCloudinit(sim, v);
  applyPending(v);
  checkBridges(sim, v);
  Object.assign(v, { status: "running", qmpstatus: "running", startedAt: Date.now() });
  // What the guest found on its cloud-init drive at this boot (the E2E's "booted with snippet X").
  v.bootedWith = { at: new Date().toISOString(), node: v.node, cicustom: v.cloudinit.userVolid ?? null, userData: v.cloudinit.userData ?? null };
  sim.events.emit("vm-started", v);
}

function setStopped(sim: Sim, v: Vm) {
  if (v.status === "running") sim.events.emit("vm-stopped", v.vmid);
  Object.assign(v, { status: "stopped", qmpstatus: "stopped", startedAt: undefined });
}

/** The HA stack acts a little later; the API's task only queued the request. */
function haTask(sim: Sim, vm: Vm, action: PowerAction, fault?: TaskFault): Task {
  const type = action === "start" ? "hastart" : "hastop";
  const task = sim.tasks.start({
    node: vm.node,
    type,
    id: vm.vmid,
    user: sim.user,
    durationMs: 0,
    fault,
    log: [`Requesting HA ${action === "start" ? "start" : "stop"} for VM ${vm.vmid}`],
  });
  const later = setTimeout(
    () => {
      const v = sim.cluster.find(vm.vmid);
      if (!v) return;
      try {
        if (action === "start" && v.status !== "running") setRunning(sim, v);
        else if (action !== "start") setStopped(sim, v);
      } catch {
        // the CRM logs it; the API caller never sees it
      }
    },
    sim.settings.shortTaskDurationMs * 2 + 50,
  );
  later.unref();
  return task;
}

export function powerTask(sim: Sim, vm: Vm, action: PowerAction, args: Record<string, string>, fault?: TaskFault): Task {
  checkParams(action, args);
  if (NEEDS_RUNNING.includes(action) && vm.status !== "running") throw new PveError(`VM ${vm.vmid} not running`);
  if (action === "resume" && vm.qmpstatus !== "paused") throw new PveError(`VM ${vm.vmid} not paused`);
  if (action === "shutdown" && vm.qmpstatus === "paused" && !isTrue(args.forceStop)) throw new PveError("VM is paused - cannot shutdown");
  if (vm.haManaged && (action === "start" || action === "stop" || action === "shutdown")) return haTask(sim, vm, action, fault);
  if (action === "shutdown") return shutdownTask(sim, vm, args, fault);
  if (action === "stop" && isTrue(args["overrule-shutdown"])) {
    // vm_stop aborts every running qmshutdown task of the guest first.
    for (const t of sim.tasks.list())
      if (t.status === "running" && t.type === "qmshutdown" && t.id === String(vm.vmid)) sim.tasks.stop(t.upid, "interrupted by signal");
    vm.configLockedBy = undefined;
  }
  return sim.tasks.start({
    node: vm.node,
    type: `qm${action}`,
    id: vm.vmid,
    user: sim.user,
    durationMs: sim.settings.shortTaskDurationMs,
    fault,
    run: () => {
      const v = current(sim, vm);
      if (action !== "resume") checkLock(v, args);
      if (configLockHeld(sim, v)) throw configLockTimeout(v.vmid);
      if (action === "start") setRunning(sim, v);
      else if (action === "stop") setStopped(sim, v);
      else if (action === "reboot") {
        // qm reboot = shutdown + start: pending changes are applied.
        setStopped(sim, v);
        setRunning(sim, v);
      } else if (action === "reset") Object.assign(v, { qmpstatus: "running", startedAt: Date.now() });
      else v.qmpstatus = action === "suspend" ? "paused" : "running";
    },
  });
}

/** vm_stop with $shutdown: the config lock is held while the guest is given `timeout` seconds. */
function shutdownTask(sim: Sim, vm: Vm, args: Record<string, string>, fault?: TaskFault): Task {
  const down = /(?:^|,)down=(\d+)/.exec(String(vm.config.startup ?? ""))?.[1];
  const timeout = Number(args.timeout ?? down ?? 60);
  const paused = vm.qmpstatus === "paused";
  const waits = vm.ignoresAcpi && vm.status === "running" && !paused;
  const durationMs = waits ? timeout * sim.settings.guestSecondMs : sim.settings.shortTaskDurationMs * 2;
  const release = () => {
    const v = sim.cluster.find(vm.vmid);
    if (v && v.configLockedBy === task.upid) v.configLockedBy = undefined;
  };
  const task: Task = sim.tasks.start({
    node: vm.node,
    type: "qmshutdown",
    id: vm.vmid,
    user: sim.user,
    durationMs,
    fault,
    run: () => {
      release();
      const v = current(sim, vm);
      checkLock(v, args);
      if (v.status !== "running") return;
      if (paused) {
        task.log.push("VM is paused - stop instead of shutdown");
        setStopped(sim, v);
        return "WARNINGS: 1";
      }
      if (!waits) return void setStopped(sim, v);
      if (!isTrue(args.forceStop)) throw new PveError("VM quit/powerdown failed - got timeout");
      task.log.push("VM still running - terminating now with SIGTERM");
      setStopped(sim, v);
      return "WARNINGS: 1";
    },
    onFail: release,
  });
  // The worker takes the lock file as it starts; a lock already held is its own failure (run).
  if (!configLockHeld(sim, vm) && !vm.config.lock) vm.configLockedBy = task.upid;
  return task;
}
