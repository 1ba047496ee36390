// `/cluster/sdn/*` and `/nodes/{node}/sdn/zones` (pve-network PVE/API2/Network/SDN*.pm). Only
// there when SDN is installed (pve-manager registers the subtree when PVE::API2::Network::SDN
// loads): otherwise each path is a 501 like any unknown one.
import type { Sim } from "../context";
import { ParamError, PveError } from "../errors";
import type { Route, RouteCtx } from "../router";
import { type Schema, validateParams } from "../schema";
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

type Args = Record<string, string>;
type Entries = Array<[string, PendingSection]>;

/** One SDN section type's five routes (pve-network's Zones.pm, Vnets.pm, Subnets.pm: index, create, read, update, delete). */
interface SdnCollection {
  kind: SdnKind;
  /** The collection's path; an item is `${path}/{${id}}`. */
  path: string;
  id: string;
  listSchema: Schema;
  checkList?: (sim: Sim, a: Args) => void;
  list: (ctx: RouteCtx, a: Args, entries: Entries, digest: string) => unknown[];
  /** Read validates against PVE 8's id schema (no lock token on a read); delete against the version's. */
  idSchema: (version: 8 | 9) => Schema;
  checkItem?: (sim: Sim, a: Args) => void;
  missing: (id: string) => string;
  show: (a: Args, section: PendingSection, digest: string) => unknown;
  createSchema: (version: 8 | 9) => Schema;
  create: (sim: Sim, a: Args) => void;
  updateSchema: (version: 8 | 9) => Schema;
  update: (sim: Sim, a: Args) => void;
  remove: (sim: Sim, params: Args) => void;
}

function collectionRoutes(c: SdnCollection): Route[] {
  const item = `${c.path}/{${c.id}}`;
  const route = (method: Route["method"], path: string, handler: Route["handler"]): Route => ({ method, path, allow: all, available, handler });
  return [
    route("GET", c.path, (ctx) => {
      const a = args(ctx);
      validateParams(c.listSchema, a);
      c.checkList?.(ctx.sim, a);
      const digest = ctx.sim.sdn.digest(c.kind);
      return c.list(ctx, a, Object.entries(view(ctx.sim, c.kind, a)), digest);
    }),
    route("POST", c.path, (ctx) => {
      validateParams(c.createSchema(ctx.sim.version), args(ctx));
      c.create(ctx.sim, args(ctx));
      return null;
    }),
    route("GET", item, (ctx) => {
      const a = args(ctx);
      validateParams({ ...c.idSchema(8), ...listSchema() }, a);
      c.checkItem?.(ctx.sim, a);
      const section = view(ctx.sim, c.kind, a)[a[c.id]];
      if (!section) throw new PveError(c.missing(a[c.id]));
      return c.show(a, section, ctx.sim.sdn.digest(c.kind));
    }),
    route("PUT", item, (ctx) => {
      validateParams(c.updateSchema(ctx.sim.version), args(ctx));
      c.update(ctx.sim, args(ctx));
      return null;
    }),
    route("DELETE", item, (ctx) => {
      validateParams(c.idSchema(ctx.sim.version), args(ctx));
      c.remove(ctx.sim, ctx.params);
      return null;
    }),
  ];
}

export const sdnRoutes: Route[] = [
  {
    method: "GET",
    path: SDN,
    allow: [],
    available,
    handler: ({ sim }) => ["vnets", "zones", "controllers", "ipams", "dns", ...(sim.version >= 9 ? ["fabrics"] : [])].map((id) => ({ id })),
  },
  { method: "PUT", path: SDN, allow: all, available, handler: reload },
  ...collectionRoutes({
    kind: "zones",
    path: `${SDN}/zones`,
    id: "zone",
    listSchema: listSchema({ type: { type: "string", enum: [...zoneTypes], optional: true } }),
    list: (ctx, a, entries, digest) =>
      entries
        .filter(([id]) => ["SDN.Audit", "SDN.Allocate"].some((p) => ctx.sim.permissions.has(`/sdn/zones/${id}`, p)))
        .filter(([, z]) => !a.type || z.type === a.type)
        .map(([zone, z]) => ({ ...z, zone, digest })),
    idSchema: zoneIdSchema,
    missing: (id) => `sdn '${id}' does not exist`,
    show: (a, zone, digest) => ({ ...zone, zone: a.zone, digest }),
    createSchema: zoneCreateSchema,
    create: createZone,
    updateSchema: zoneUpdateSchema,
    update: updateZone,
    remove: (sim, params) => deleteZone(sim, params.zone),
  }),
  ...collectionRoutes({
    kind: "vnets",
    path: `${SDN}/vnets`,
    id: "vnet",
    listSchema: listSchema(),
    list: (ctx, _a, entries, digest) =>
      entries
        .filter(([id, v]) => {
          const zone = v.zone ?? (v.pending as Section | undefined)?.zone;
          return ["SDN.Audit", "SDN.Allocate"].some((p) => ctx.sim.permissions.has(`/sdn/zones/${zone}/${id}`, p));
        })
        .map(([vnet, v]) => ({ ...v, vnet, type: "vnet", digest })),
    idSchema: vnetIdSchema,
    checkItem: (sim, a) => checkVnetAccess(sim, a.vnet, ["SDN.Audit", "SDN.Allocate"]),
    missing: (id) => `sdn vnet '${id}' does not exist`,
    show: (a, vnet, digest) => ({ ...vnet, vnet: a.vnet, digest }),
    createSchema: vnetCreateSchema,
    create: createVnet,
    updateSchema: vnetUpdateSchema,
    update: updateVnet,
    remove: (sim, params) => deleteVnet(sim, params.vnet),
  }),
  ...collectionRoutes({
    kind: "subnets",
    path: `${SDN}/vnets/{vnet}/subnets`,
    id: "subnet",
    listSchema: { ...vnetIdSchema(8), ...listSchema() },
    // The VNet in the path is checked for the list as for one subnet.
    checkList: (sim, a) => checkVnetAccess(sim, a.vnet, ["SDN.Audit", "SDN.Allocate"]),
    list: (_ctx, a, entries, digest) =>
      entries.filter(([, s]) => (s.vnet ?? (s.pending as Section | undefined)?.vnet) === a.vnet).map(([id, s]) => subnetView(id, s, digest)),
    idSchema: subnetIdSchema,
    checkItem: (sim, a) => checkVnetAccess(sim, a.vnet, ["SDN.Audit", "SDN.Allocate"]),
    missing: (id) => `sdn subnet '${id}' does not exist`,
    show: (a, subnet, digest) => {
      if (subnet.vnet !== undefined && subnet.vnet !== a.vnet) throw new ParamError({ vnet: "wrong vnet" });
      return subnetView(a.subnet, subnet, digest);
    },
    createSchema: subnetCreateSchema,
    create: createSubnet,
    updateSchema: subnetUpdateSchema,
    update: updateSubnet,
    remove: (sim, params) => deleteSubnet(sim, params.vnet, params.subnet),
  }),
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
