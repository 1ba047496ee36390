// Cluster-, node- and task-level endpoints.
import { parseVmid } from "../cluster";
import { ParamError, paramError } from "../errors";
import { SHARED_SNIPPETS_STORAGE } from "../context";
import type { Route } from "../router";
import { parseUpid } from "../tasks";

const RESOURCE_TYPES = ["vm", "storage", "node", "sdn"];
const VERSIONS = {
  8: { version: "8.4.1", release: "8.4", repoid: "2a5fa54a8503f96d", kversion: "Linux 6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4" },
  9: { version: "9.1.2", release: "9.1", repoid: "7d1f4e4bd7b5bfa4", kversion: "Linux 6.17.2-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1" },
};

/**
 * What `cluster/resources` shows this token (pve-manager PVE/API2/Cluster.pm): VMs only with
 * VM.Audit on /vms/{vmid}, storages only with Datastore.Audit, nodes always but their usage only
 * with Sys.Audit on /nodes/{node}.
 */
function visibleResources(sim: Parameters<Route["handler"]>[0]["sim"], type?: string) {
  const perms = sim.permissions;
  return sim.cluster.resources(type).flatMap((r) => {
    if (r.type === "qemu") return perms.has(`/vms/${r.vmid}`, "VM.Audit") ? [r] : [];
    if (r.type === "storage") return perms.has(`/storage/${r.storage}`, "Datastore.Audit") ? [r] : [];
    if (r.type === "node" && !perms.has(`/nodes/${r.node}`, "Sys.Audit")) return [{ id: r.id, type: r.type, node: r.node, status: r.status }];
    return [r];
  });
}

function task(ctx: Parameters<Route["handler"]>[0]) {
  const { node, upid } = ctx.params;
  ctx.sim.cluster.node(node);
  if (!parseUpid(upid)) throw paramError("upid", `unable to parse worker upid '${upid}'`);
  const t = ctx.sim.tasks.get(upid);
  // Task files live on the node that ran the worker: asking another node finds nothing.
  if (!t || t.node !== node) throw paramError("upid", "no such task");
  return t;
}

export const clusterRoutes: Route[] = [
  {
    method: "GET",
    path: "/version",
    allow: [],
    handler: ({ sim }) => {
      const { kversion: _k, ...v } = VERSIONS[sim.version];
      return v;
    },
  },
  {
    method: "GET",
    path: "/cluster/resources",
    allow: ["type"],
    handler: ({ sim, args }) => {
      if (args.type !== undefined && !RESOURCE_TYPES.includes(args.type)) {
        throw paramError("type", `value '${args.type}' does not have a value in the enumeration '${RESOURCE_TYPES.join(", ")}'`);
      }
      return visibleResources(sim, args.type);
    },
  },
  {
    method: "GET",
    path: "/cluster/nextid",
    allow: ["vmid"],
    handler: ({ sim, args }) => {
      if (args.vmid === undefined) return String(sim.cluster.nextId());
      const vmid = parseVmid(args.vmid, "vmid");
      if (sim.cluster.find(vmid)) throw new ParamError({ vmid: `VM ${vmid} already exists` });
      return String(vmid);
    },
  },
  {
    method: "GET",
    path: "/nodes",
    allow: [],
    handler: ({ sim }) =>
      sim.cluster.nodes.map((n) => ({
        node: n.name,
        id: `node/${n.name}`,
        type: "node",
        status: "online",
        level: "",
        ssl_fingerprint: "",
        ...sim.cluster.nodeUsage(n),
      })),
  },
  {
    method: "GET",
    path: "/nodes/{node}/status",
    allow: [],
    handler: ({ sim, params }) => {
      const node = sim.cluster.node(params.node);
      const u = sim.cluster.nodeUsage(node);
      return {
        cpu: u.cpu,
        cpuinfo: { cpus: node.cores, cores: node.cores / 2, sockets: 2, model: "Simulated CPU @ 2.40GHz", mhz: "2400.000", hvm: "1" },
        memory: { total: u.maxmem, used: u.mem, free: u.maxmem - u.mem },
        rootfs: { total: u.maxdisk, used: u.disk, free: u.maxdisk - u.disk, avail: u.maxdisk - u.disk },
        swap: { total: 0, used: 0, free: 0 },
        uptime: u.uptime,
        loadavg: ["0.10", "0.05", "0.01"],
        kversion: VERSIONS[sim.version].kversion,
        pveversion: `pve-manager/${VERSIONS[sim.version].version}/${VERSIONS[sim.version].repoid}`,
      };
    },
  },
  {
    method: "GET",
    path: "/nodes/{node}/qemu",
    allow: ["full"],
    handler: ({ sim, params }) => {
      sim.cluster.node(params.node);
      return [...sim.cluster.vms.values()]
        .filter((v) => v.node === params.node && sim.permissions.has(`/vms/${v.vmid}`, "VM.Audit"))
        .map((v) => sim.cluster.vmStatus(v));
    },
  },
  {
    // pve-storage PVE/API2/Storage/Status.pm index: storages the token may audit or allocate on.
    method: "GET",
    path: "/nodes/{node}/storage",
    allow: ["content", "enabled", "format", "storage", "target"],
    handler: ({ sim, params, args }) => {
      sim.cluster.node(params.node);
      const storages = [
        { storage: "local-lvm", type: "lvmthin", content: "images,rootdir", shared: 0 },
        { storage: "local", type: "dir", content: "iso,vztmpl,backup,snippets", shared: 0 },
        { storage: SHARED_SNIPPETS_STORAGE, type: "nfs", content: "snippets", shared: 1 },
      ];
      return storages
        .filter((st) => ["Datastore.Audit", "Datastore.AllocateSpace"].some((p) => sim.permissions.has(`/storage/${st.storage}`, p)))
        .filter((st) => !args.content || st.content.split(",").includes(args.content))
        .filter((st) => !args.storage || st.storage === args.storage)
        .map((st) => ({ ...st, active: 1, enabled: 1, total: 100 * 1024 ** 3, used: 0, avail: 100 * 1024 ** 3 }));
    },
  },
  {
    // pve-access-control PVE/API2/AccessControl.pm permissions: the caller's own privileges,
    // per path (`{ "<path>": { "<priv>": 1 } }`), for one path when `path` is given.
    method: "GET",
    path: "/access/permissions",
    allow: ["path", "userid"],
    handler: ({ sim, args }) => {
      const paths = args.path
        ? [args.path]
        : ["/", "/vms", "/storage", "/nodes", "/sdn", "/pool", "/access", ...(sim.permissions.get() ?? []).map((e) => e.path)];
      const out: Record<string, Record<string, number>> = {};
      for (const p of paths) {
        const privs = sim.permissions.privileges(p);
        if (privs.size || args.path) out[p] = Object.fromEntries([...privs].sort().map((priv) => [priv, 1]));
      }
      return out;
    },
  },
  {
    method: "GET",
    path: "/nodes/{node}/tasks",
    allow: ["vmid", "limit", "start", "source", "typefilter", "userfilter", "errors"],
    // pve-manager PVE/API2/Tasks.pm node_tasks: `source` defaults to "archive", the finished tasks
    // only (the index file); "active" lists the running ones with status "RUNNING"; "all" both.
    handler: ({ sim, params, args }) => {
      sim.cluster.node(params.node);
      const source = args.source ?? "archive";
      if (!["archive", "active", "all"].includes(source))
        throw paramError("source", `value '${source}' does not have a value in the enumeration 'archive, active, all'`);
      const tasks = sim.tasks
        .list()
        .filter((t) => t.node === params.node && (!args.vmid || t.id === args.vmid) && (!args.typefilter || t.type === args.typefilter))
        .filter((t) => source === "all" || (source === "active") === (t.status === "running"));
      const start = Number(args.start ?? 0);
      return tasks
        .slice(start, start + Number(args.limit ?? 50))
        .map(({ log: _log, exitstatus, status, ...t }) => ({ ...t, status: status === "running" ? "RUNNING" : exitstatus }));
    },
  },
  {
    method: "GET",
    path: "/nodes/{node}/tasks/{upid}/status",
    allow: [],
    handler: (ctx) => {
      const { log: _log, endtime: _end, ...t } = task(ctx);
      return t;
    },
  },
  {
    method: "GET",
    path: "/nodes/{node}/tasks/{upid}/log",
    allow: ["start", "limit", "download"],
    handler: (ctx) => {
      const start = Number(ctx.args.start ?? 0);
      const lines = task(ctx).log.map((t, i) => ({ n: i + 1, t }));
      return lines.slice(start, start + Number(ctx.args.limit ?? 50));
    },
  },
];
