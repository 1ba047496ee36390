// Node-level backup and restore endpoints (backups.ts), and the node's clock.
import type { Route } from "../router";

export const storageRoutes: Route[] = [
  {
    method: "POST",
    path: "/nodes/{node}/vzdump",
    allow: [
      "vmid",
      "storage",
      "mode",
      "compress",
      "notes-template",
      "remove",
      "protected",
      "prune-backups",
      "all",
      "exclude",
      "bwlimit",
      "ionice",
      "lockwait",
      "mailto",
      "mailnotification",
      "zstd",
      "quiet",
      "stop",
      "fleecing",
      "pbs-change-detection-mode",
    ],
    handler: (ctx) => ctx.sim.backups.vzdump(ctx.params.node, ctx.args, ctx.fault),
  },
  {
    method: "GET",
    path: "/nodes/{node}/storage/{storage}/content",
    allow: ["content", "vmid"],
    handler: (ctx) => ctx.sim.backups.content(ctx.params.node, ctx.params.storage, ctx.args),
  },
  {
    method: "DELETE",
    path: "/nodes/{node}/storage/{storage}/content/{volume}",
    allow: ["delay"],
    handler: (ctx) => ctx.sim.backups.remove(ctx.params.node, ctx.params.storage, ctx.params.volume, ctx.fault),
  },
  {
    // create_vm, here only as a restore (`archive`): creating VMs from scratch is not modelled.
    method: "POST",
    path: "/nodes/{node}/qemu",
    allow: ["vmid", "archive", "force", "storage", "unique", "start", "bwlimit", "pool", "live-restore"],
    handler: (ctx) => {
      ctx.sim.cluster.node(ctx.params.node);
      return ctx.sim.backups.restore(ctx.params.node, ctx.args, ctx.fault).upid;
    },
    locksInTask: "configLock",
  },
  {
    // pve-manager PVE/API2/Nodes.pm: `time` (epoch), `localtime`, `timezone`.
    method: "GET",
    path: "/nodes/{node}/time",
    allow: [],
    handler: (ctx) => {
      ctx.sim.cluster.node(ctx.params.node);
      const time = ctx.sim.clock.epoch();
      return { time, localtime: time, timezone: "UTC" };
    },
  },
];
