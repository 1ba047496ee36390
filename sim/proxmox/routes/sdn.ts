// `/cluster/sdn/*` and `/nodes/{node}/sdn/zones` (pve-network PVE/API2/Network/SDN*.pm). Only
// there when SDN is installed (pve-manager registers the subtree when PVE::API2::Network::SDN
// loads): otherwise each path is a 501 like any unknown one.
import type { Sim } from "../context";
import { ParamError, PveError } from "../errors";
import type { Route, RouteCtx } from "../router";
import { validateParams } from "../schema";
import { type PendingSection, type SdnKind, type Section, parseSubnetId } from "../sdn";
import {
  checkVnetAccess,
  createSubnet,
  createVnet,
  createZone,
  deleteSubnet,
  deleteVnet,
  deleteZone,
  updateSubnet,
  updateVnet,
  updateZone,
  zoneTypes,
} from "../sdn-ops";
import {
  listSchema,
  subnetCreateSchema,
  subnetIdSchema,
  subnetUpdateSchema,
  vnetCreateSchema,
  vnetIdSchema,
  vnetUpdateSchema,
  zoneCreateSchema,
  zoneIdSchema,
  zoneUpdateSchema,
} from "../sdn-schema";

const available = (sim: Sim) => sim.sdn.enabled;
const all = () => true;
const args = (ctx: RouteCtx) => ({ ...ctx.args, ...ctx.params });
const isTrue = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v);

/** The section as the API shows it, from the current files, the running ones, or the pending view. */
function view(sim: Sim, kind: SdnKind, a: Record<string, string>): Record<string, PendingSection> {
  if (isTrue(a.pending)) return sim.sdn.pendingView(kind);
  return sim.sdn.source(isTrue(a.running) ? "running" : "current")[kind];
}

function subnetView(id: string, s: PendingSection, digest: string) {
  const { cidr, zone, network, mask } = parseSubnetId(id);
  const ranges = ((s["dhcp-range"] as string[] | undefined) ?? []).map((r) => Object.fromEntries(r.split(",").map((p) => p.split("="))));
  return { ...s, id, subnet: id, cidr, zone, network, mask, digest, "dhcp-range": ranges };
}

function reload(ctx: RouteCtx): string {
  const { sim } = ctx;
  validateParams(sim.version >= 9 ? { "lock-token": { type: "string", optional: true }, "release-lock": { type: "boolean", optional: true } } : {}, ctx.args);
  // commit_config runs in the request; the worker then reloads every node's network.
  sim.sdn.commit();
  const nodes = sim.cluster.nodes.map((n) => n.name);
  return sim.tasks.start({
    node: nodes[0],
    type: "reloadnetworkall",
    id: "",
    user: sim.user,
    durationMs: sim.settings.shortTaskDurationMs,
    fault: ctx.fault,
    log: nodes.map((n) => `${n}: reloading network config`),
    run: () => nodes.forEach((n) => sim.sdn.generate(n)),
  }).upid;
}

const SDN = "/cluster/sdn";

export const sdnRoutes: Route[] = [
  {
    method: "GET",
    path: SDN,
    allow: [],
    available,
    handler: ({ sim }) => ["vnets", "zones", "controllers", "ipams", "dns", ...(sim.version >= 9 ? ["fabrics"] : [])].map((id) => ({ id })),
  },
  { method: "PUT", path: SDN, allow: all, available, handler: reload },
  {
    method: "GET",
    path: `${SDN}/zones`,
    allow: all,
    available,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams(listSchema({ type: { type: "string", enum: [...zoneTypes], optional: true } }), a);
      const digest = ctx.sim.sdn.digest("zones");
      return Object.entries(view(ctx.sim, "zones", a))
        .filter(([id]) => ["SDN.Audit", "SDN.Allocate"].some((p) => ctx.sim.permissions.has(`/sdn/zones/${id}`, p)))
        .filter(([, z]) => !a.type || z.type === a.type)
        .map(([zone, z]) => ({ ...z, zone, digest }));
    },
  },
  {
    method: "POST",
    path: `${SDN}/zones`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(zoneCreateSchema(ctx.sim.version), ctx.args);
      createZone(ctx.sim, ctx.args);
      return null;
    },
  },
  {
    method: "GET",
    path: `${SDN}/zones/{zone}`,
    allow: all,
    available,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...zoneIdSchema(8), ...listSchema() }, a);
      const zone = view(ctx.sim, "zones", a)[a.zone];
      if (!zone) throw new PveError(`sdn '${a.zone}' does not exist`);
      return { ...zone, zone: a.zone, digest: ctx.sim.sdn.digest("zones") };
    },
  },
  {
    method: "PUT",
    path: `${SDN}/zones/{zone}`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(zoneUpdateSchema(ctx.sim.version), args(ctx));
      updateZone(ctx.sim, args(ctx));
      return null;
    },
  },
  {
    method: "DELETE",
    path: `${SDN}/zones/{zone}`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(zoneIdSchema(ctx.sim.version), args(ctx));
      deleteZone(ctx.sim, ctx.params.zone);
      return null;
    },
  },
  {
    method: "GET",
    path: `${SDN}/vnets`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(listSchema(), ctx.args);
      const digest = ctx.sim.sdn.digest("vnets");
      return Object.entries(view(ctx.sim, "vnets", ctx.args))
        .filter(([id, v]) => {
          const zone = v.zone ?? (v.pending as Section | undefined)?.zone;
          return ["SDN.Audit", "SDN.Allocate"].some((p) => ctx.sim.permissions.has(`/sdn/zones/${zone}/${id}`, p));
        })
        .map(([vnet, v]) => ({ ...v, vnet, type: "vnet", digest }));
    },
  },
  {
    method: "POST",
    path: `${SDN}/vnets`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(vnetCreateSchema(ctx.sim.version), ctx.args);
      createVnet(ctx.sim, ctx.args);
      return null;
    },
  },
  {
    method: "GET",
    path: `${SDN}/vnets/{vnet}`,
    allow: all,
    available,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...vnetIdSchema(8), ...listSchema() }, a);
      checkVnetAccess(ctx.sim, a.vnet, ["SDN.Audit", "SDN.Allocate"]);
      const vnet = view(ctx.sim, "vnets", a)[a.vnet];
      if (!vnet) throw new PveError(`sdn vnet '${a.vnet}' does not exist`);
      return { ...vnet, vnet: a.vnet, digest: ctx.sim.sdn.digest("vnets") };
    },
  },
  {
    method: "PUT",
    path: `${SDN}/vnets/{vnet}`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(vnetUpdateSchema(ctx.sim.version), args(ctx));
      updateVnet(ctx.sim, args(ctx));
      return null;
    },
  },
  {
    method: "DELETE",
    path: `${SDN}/vnets/{vnet}`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(vnetIdSchema(ctx.sim.version), args(ctx));
      deleteVnet(ctx.sim, ctx.params.vnet);
      return null;
    },
  },
  {
    method: "GET",
    path: `${SDN}/vnets/{vnet}/subnets`,
    allow: all,
    available,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...vnetIdSchema(8), ...listSchema() }, a);
      checkVnetAccess(ctx.sim, a.vnet, ["SDN.Audit", "SDN.Allocate"]);
      const digest = ctx.sim.sdn.digest("subnets");
      return Object.entries(view(ctx.sim, "subnets", a))
        .filter(([, s]) => (s.vnet ?? (s.pending as Section | undefined)?.vnet) === a.vnet)
        .map(([id, s]) => subnetView(id, s, digest));
    },
  },
  {
    method: "POST",
    path: `${SDN}/vnets/{vnet}/subnets`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(subnetCreateSchema(ctx.sim.version), args(ctx));
      createSubnet(ctx.sim, args(ctx));
      return null;
    },
  },
  {
    method: "GET",
    path: `${SDN}/vnets/{vnet}/subnets/{subnet}`,
    allow: all,
    available,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...subnetIdSchema(8), ...listSchema() }, a);
      checkVnetAccess(ctx.sim, a.vnet, ["SDN.Audit", "SDN.Allocate"]);
      const subnet = view(ctx.sim, "subnets", a)[a.subnet];
      if (!subnet) throw new PveError(`sdn subnet '${a.subnet}' does not exist`);
      if (subnet.vnet !== undefined && subnet.vnet !== a.vnet) throw new ParamError({ vnet: "wrong vnet" });
      return subnetView(a.subnet, subnet, ctx.sim.sdn.digest("subnets"));
    },
  },
  {
    method: "PUT",
    path: `${SDN}/vnets/{vnet}/subnets/{subnet}`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(subnetUpdateSchema(ctx.sim.version), args(ctx));
      updateSubnet(ctx.sim, args(ctx));
      return null;
    },
  },
  {
    method: "DELETE",
    path: `${SDN}/vnets/{vnet}/subnets/{subnet}`,
    allow: all,
    available,
    handler: (ctx) => {
      validateParams(subnetIdSchema(ctx.sim.version), args(ctx));
      deleteSubnet(ctx.sim, ctx.params.vnet, ctx.params.subnet);
      return null;
    },
  },
  {
    // Nodes/Zones.pm index: `user => 'all'`, and the code filters nothing.
    method: "GET",
    path: "/nodes/{node}/sdn/zones",
    allow: [],
    available,
    handler: ({ sim, params }) => {
      sim.cluster.node(params.node);
      return sim.sdn.nodeZoneStatus(params.node);
    },
  },
];

/** The permission checks these routes declare (`check => ['perm', ...]`), run before the handler. */
export const sdnRoutePermissions: Record<string, (perms: Sim["permissions"], params: Record<string, string>, args: Record<string, string>) => void> = {
  [`GET ${SDN}`]: (p) => p.check("/sdn", ["SDN.Audit"]),
  [`PUT ${SDN}`]: (p) => p.check("/sdn", ["SDN.Allocate"]),
  [`POST ${SDN}/zones`]: (p) => p.check("/sdn/zones", ["SDN.Allocate"]),
  [`GET ${SDN}/zones/{zone}`]: (p, params) => p.check(`/sdn/zones/${params.zone}`, ["SDN.Allocate"]),
  [`PUT ${SDN}/zones/{zone}`]: (p, params) => p.check(`/sdn/zones/${params.zone}`, ["SDN.Allocate"]),
  [`DELETE ${SDN}/zones/{zone}`]: (p, params) => p.check(`/sdn/zones/${params.zone}`, ["SDN.Allocate"]),
  // ['perm', '/sdn/zones/{zone}', ...]: the `zone` parameter of the new VNet.
  [`POST ${SDN}/vnets`]: (p, _params, a) => p.check(`/sdn/zones/${a.zone ?? ""}`, ["SDN.Allocate"]),
};
