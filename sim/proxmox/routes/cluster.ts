// Cluster-, node- and task-level endpoints.
import { parseVmid } from "../cluster";
import { ParamError, paramError } from "../errors";
import type { Route } from "../router";
import { parseUpid } from "../tasks";

const RESOURCE_TYPES = ["vm", "storage", "node", "sdn"];

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
    handler: () => ({ version: "8.4.1", release: "8.4", repoid: "2a5fa54a8503f96d" }),
  },
  {
    method: "GET",
    path: "/cluster/resources",
    allow: ["type"],
    handler: ({ sim, args }) => {
      if (args.type !== undefined && !RESOURCE_TYPES.includes(args.type)) {
        throw paramError("type", `value '${args.type}' does not have a value in the enumeration '${RESOURCE_TYPES.join(", ")}'`);
      }
      return sim.cluster.resources(args.type);
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
      sim.cluster.nodes.map((n) => ({ node: n.name, id: `node/${n.name}`, type: "node", status: "online", level: "", ssl_fingerprint: "", ...sim.cluster.nodeUsage(n) })),
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
        kversion: "Linux 6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4",
        pveversion: "pve-manager/8.4.1/2a5fa54a8503f96d",
      };
    },
  },
  {
    method: "GET",
    path: "/nodes/{node}/qemu",
    allow: ["full"],
    handler: ({ sim, params }) => {
      sim.cluster.node(params.node);
      return [...sim.cluster.vms.values()].filter((v) => v.node === params.node).map((v) => sim.cluster.vmStatus(v));
    },
  },
  {
    method: "GET",
    path: "/nodes/{node}/tasks",
    allow: ["vmid", "limit", "start", "source", "typefilter", "userfilter", "errors"],
    handler: ({ sim, params, args }) => {
      sim.cluster.node(params.node);
      const tasks = sim.tasks.list().filter((t) => t.node === params.node && (!args.vmid || t.id === args.vmid) && (!args.typefilter || t.type === args.typefilter));
      const start = Number(args.start ?? 0);
      return tasks.slice(start, start + Number(args.limit ?? 50)).map(({ log: _log, exitstatus, ...t }) => ({ ...t, ...(exitstatus ? { status: exitstatus } : {}) }));
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
