// `/nodes/{node}/qemu/{vmid}/...`: config, clone, resize, power, destroy, snapshots, cloud-init.
import { writeConfig } from "../config";
import { pendingList } from "../pending";
import { POWER_PARAMS, waitForConfigLock } from "../power";
import { PveError } from "../errors";
import { checkBridgeAccess } from "../nic";
import type { Route, RouteCtx } from "../router";
import { createSnapshot, deleteSnapshot, listSnapshots, rollbackSnapshot } from "../snapshots";
import { POWER_ACTIONS, type PowerAction, cloneTask, destroyTask, powerTask, regenerateCloudinit, resizeTask } from "../vm-ops";

const VM = "/nodes/{node}/qemu/{vmid}";
const vmOf = ({ sim, params }: RouteCtx) => sim.cluster.vmOn(params.node, params.vmid);
// writeConfig reports unknown keys itself, together with bad values, as PVE's one schema pass does.
const configArg = () => true;

async function putConfig(ctx: RouteCtx) {
  const vm = vmOf(ctx);
  // check_bridge_access: SDN.Use on the new NIC's bridge, then on the one it replaces (before the lock).
  const nets = [...Object.keys(ctx.args), ...(ctx.args.delete ?? "").split(/[,;\s]+/)].filter((k) => /^net\d+$/.test(k));
  for (const key of nets) checkBridgeAccess(ctx.sim, ctx.args[key]);
  for (const key of nets) checkBridgeAccess(ctx.sim, vm.config[key]);
  await waitForConfigLock(ctx.sim, vm);
  writeConfig(ctx.sim.cluster, vm, ctx.args);
}

export const qemuRoutes: Route[] = [
  {
    method: "GET",
    path: `${VM}/config`,
    allow: ["current", "snapshot"],
    handler: (ctx) => {
      const vm = vmOf(ctx);
      if (ctx.args.snapshot) {
        const snap = vm.snapshots.find((s) => s.name === ctx.args.snapshot);
        if (!snap) throw new PveError(`snapshot '${ctx.args.snapshot}' does not exist`);
        return { ...snap.config, digest: ctx.sim.cluster.digest({ ...vm, config: snap.config }) };
      }
      return ctx.sim.cluster.publicConfig(vm, ctx.args.current === "1");
    },
  },
  {
    method: "GET",
    path: `${VM}/pending`,
    allow: [],
    handler: (ctx) => {
      const vm = vmOf(ctx);
      return pendingList(vm, (key, value) => (key === "cipassword" ? "**********" : value));
    },
  },
  {
    method: "PUT",
    path: `${VM}/config`,
    allow: configArg,
    handler: async (ctx) => {
      await putConfig(ctx);
      return null;
    },
  },
  {
    method: "POST",
    path: `${VM}/config`,
    allow: configArg,
    handler: async (ctx) => {
      const vm = vmOf(ctx);
      await putConfig(ctx);
      return ctx.sim.tasks.start({
        node: vm.node,
        type: "qmconfig",
        id: vm.vmid,
        user: ctx.sim.user,
        durationMs: ctx.sim.settings.shortTaskDurationMs,
        fault: ctx.fault,
        run: () => {},
      }).upid;
    },
  },
  {
    method: "POST",
    path: `${VM}/clone`,
    allow: ["newid", "name", "full", "target", "storage", "format", "pool", "description", "snapname", "bwlimit"],
    handler: (ctx) => cloneTask(ctx.sim, vmOf(ctx), ctx.args, ctx.fault).upid,
    locksInTask: "configLock",
  },
  {
    method: "PUT",
    path: `${VM}/resize`,
    allow: ["disk", "size", "digest", "skiplock"],
    handler: (ctx) => resizeTask(ctx.sim, vmOf(ctx), ctx.args, ctx.fault).upid,
    locksInTask: "all",
  },
  {
    method: "PUT",
    path: `${VM}/cloudinit`,
    allow: [],
    handler: (ctx) => {
      regenerateCloudinit(ctx.sim, vmOf(ctx));
      return null;
    },
  },
  {
    method: "DELETE",
    path: VM,
    allow: ["purge", "destroy-unreferenced-disks", "skiplock"],
    handler: (ctx) => destroyTask(ctx.sim, vmOf(ctx), ctx.args, ctx.fault).upid,
    locksInTask: "all",
  },
  {
    method: "GET",
    path: `${VM}/status/current`,
    allow: [],
    handler: (ctx) => {
      const vm = vmOf(ctx);
      return {
        ...ctx.sim.cluster.vmStatus(vm),
        ha: vm.haManaged ? { managed: 1, state: vm.status === "running" ? "started" : "stopped" } : { managed: 0 },
        agent: vm.config.agent ? 1 : 0,
      };
    },
  },
  ...POWER_ACTIONS.map((action): Route => ({
    method: "POST",
    path: `${VM}/status/${action}`,
    allow: POWER_PARAMS[action],
    handler: (ctx) => powerTask(ctx.sim, vmOf(ctx), action as PowerAction, ctx.args, ctx.fault).upid,
    locksInTask: "all",
  })),
  {
    method: "GET",
    path: `${VM}/snapshot`,
    allow: [],
    handler: (ctx) => listSnapshots(vmOf(ctx)),
  },
  {
    method: "POST",
    path: `${VM}/snapshot`,
    allow: ["snapname", "description", "vmstate"],
    handler: (ctx) => createSnapshot(ctx.sim, vmOf(ctx), ctx.args, ctx.fault).upid,
  },
  {
    method: "POST",
    path: `${VM}/snapshot/{snapname}/rollback`,
    allow: ["start"],
    handler: (ctx) => rollbackSnapshot(ctx.sim, vmOf(ctx), ctx.params.snapname, ctx.args, ctx.fault).upid,
  },
  {
    method: "POST",
    path: `${VM}/agent/ping`,
    allow: [],
    handler: (ctx) => ctx.sim.guests.agent.ping(vmOf(ctx)),
  },
  {
    method: "GET",
    path: `${VM}/agent/info`,
    allow: [],
    handler: (ctx) => ctx.sim.guests.agent.info(vmOf(ctx)),
  },
  {
    method: "GET",
    path: `${VM}/agent/file-read`,
    allow: ["file", "count", "offset", "decode"],
    handler: (ctx) => ctx.sim.guests.agent.fileRead(vmOf(ctx), ctx.args),
  },
  {
    method: "DELETE",
    path: `${VM}/snapshot/{snapname}`,
    allow: ["force"],
    handler: (ctx) => deleteSnapshot(ctx.sim, vmOf(ctx), ctx.params.snapname, ctx.fault).upid,
  },
];
