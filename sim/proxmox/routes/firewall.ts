// `/nodes/{node}/qemu/{vmid}/firewall/*` and the datacenter's `/cluster/firewall/options|groups`
// (pve-firewall PVE/API2/Firewall/{VM,Rules,IPSet,Cluster,Groups}.pm). Reads need VM.Audit, writes
// VM.Config.Network on /vms/{vmid}; the datacenter's need Sys.Audit / Sys.Modify on /.
import type { Sim } from "../context";
import { ParamError, PveError } from "../errors";
import { type FwRule, LOG_LEVELS, listWithDigest, objectDigest, verifyVmRule } from "../firewall";
import { ipsetRoutes } from "./firewall-ipset";
import { BOOL, FW_ARGS, VMID, assertDigest, edit, vmid } from "./firewall-common";
import type { Route } from "../router";
import { type Schema, validateParams } from "../schema";

const FW = "/nodes/{node}/qemu/{vmid}/firewall";
const all = () => true;
const args = FW_ARGS;
const LOG = { type: "string", enum: LOG_LEVELS, optional: true } as const;

export const VM_OPTIONS: Schema = {
  enable: BOOL,
  macfilter: BOOL,
  dhcp: BOOL,
  ndp: BOOL,
  radv: BOOL,
  ipfilter: BOOL,
  policy_in: { type: "string", enum: ["ACCEPT", "REJECT", "DROP"], optional: true },
  policy_out: { type: "string", enum: ["ACCEPT", "REJECT", "DROP"], optional: true },
  log_level_in: LOG,
  log_level_out: LOG,
};

const RULE: Schema = {
  pos: { type: "integer", minimum: 0, optional: true },
  digest: { type: "string", maxLength: 64, optional: true },
  type: { type: "string", enum: ["in", "out", "forward", "group"], optional: true },
  action: { type: "string", pattern: /[A-Za-z][A-Za-z0-9\-_]+/, maxLength: 20, minLength: 2, optional: true },
  macro: { type: "string", maxLength: 128, optional: true },
  iface: { type: "string", pattern: /[a-zA-Z][a-zA-Z0-9_]{1,20}([:.]\d+)?/, optional: true },
  source: { type: "string", maxLength: 512, optional: true },
  dest: { type: "string", maxLength: 512, optional: true },
  proto: { type: "string", optional: true },
  enable: { type: "integer", minimum: 0, optional: true },
  log: LOG,
  sport: { type: "string", optional: true },
  dport: { type: "string", optional: true },
  comment: { type: "string", optional: true },
  "icmp-type": { type: "string", optional: true },
};
const RULE_KEYS = ["type", "action", "macro", "iface", "source", "dest", "proto", "enable", "log", "sport", "dport", "comment", "icmp-type"] as const;

/** copy_rule_data: `''` or `'-'` deletes a property. */
function copyRuleData(rule: FwRule, a: Record<string, string>) {
  const target = rule as unknown as Record<string, string | number | undefined>;
  for (const key of RULE_KEYS) {
    const v = a[key];
    if (v === undefined) continue;
    if (v === "" || v === "-") delete target[key];
    else target[key] = key === "enable" ? Number(v) : v;
  }
}

export const firewallRoutes: Route[] = [
  ...ipsetRoutes,
  {
    method: "GET",
    path: FW,
    allow: all,
    handler: (ctx) => (validateParams(VMID, args(ctx)), ["rules", "aliases", "ipset", "refs", "options"].map((name) => ({ name }))),
  },
  {
    method: "GET",
    path: `${FW}/options`,
    allow: all,
    handler: (ctx) => {
      validateParams(VMID, args(ctx));
      const options = ctx.sim.firewall.read(vmid(ctx)).options;
      return { ...options, digest: objectDigest(options) };
    },
  },
  {
    method: "PUT",
    path: `${FW}/options`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...VMID, ...VM_OPTIONS, delete: { type: "string", optional: true }, digest: { type: "string", maxLength: 64, optional: true } }, a);
      edit(ctx.sim, vmid(ctx), (conf) => {
        assertDigest(objectDigest(conf.options), a.digest);
        for (const opt of (a.delete ?? "").split(/[,;\s]+/).filter(Boolean)) {
          if (!VM_OPTIONS[opt]) throw new ParamError({ delete: `no such option '${opt}'` });
          delete conf.options[opt];
        }
        for (const key of Object.keys(VM_OPTIONS)) {
          const v = a[key];
          if (v === undefined) continue;
          conf.options[key] = VM_OPTIONS[key].type === "boolean" ? (/^(1|true|yes|on)$/i.test(v) ? 1 : 0) : v;
        }
      });
      return null;
    },
  },
  {
    method: "GET",
    path: `${FW}/rules`,
    allow: all,
    handler: (ctx) => {
      validateParams(VMID, args(ctx));
      return listWithDigest(ctx.sim.firewall.read(vmid(ctx)).rules).list.map((r, pos) => ({ ...r, pos }));
    },
  },
  {
    method: "POST",
    path: `${FW}/rules`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...VMID, ...RULE, type: { ...RULE.type, optional: false }, action: { ...RULE.action, optional: false } }, a);
      edit(ctx.sim, vmid(ctx), (conf) => {
        const rule = {} as FwRule;
        copyRuleData(rule, a);
        verifyVmRule(rule, ctx.sim.firewall.cluster, conf);
        // Rules_base create_rule: a rule created without `enable` is disabled, and goes first.
        if (a.enable === undefined) rule.enable = 0;
        conf.rules.unshift(rule);
      });
      return null;
    },
  },
  {
    method: "GET",
    path: `${FW}/rules/{pos}`,
    allow: all,
    handler: (ctx) => {
      validateParams({ ...VMID, pos: { type: "integer", minimum: 0 } }, args(ctx));
      const { list } = listWithDigest(ctx.sim.firewall.read(vmid(ctx)).rules);
      const pos = Number(ctx.params.pos);
      if (pos >= list.length) throw new PveError(`no rule at position ${pos}`);
      return { ...list[pos], pos };
    },
  },
  {
    method: "PUT",
    path: `${FW}/rules/{pos}`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams(
        {
          ...VMID,
          ...RULE,
          pos: { type: "integer", minimum: 0 },
          moveto: { type: "integer", minimum: 0, optional: true },
          delete: { type: "string", optional: true },
        },
        a,
      );
      edit(ctx.sim, vmid(ctx), (conf) => {
        assertDigest(listWithDigest(conf.rules).digest, a.digest);
        const pos = Number(a.pos);
        if (pos >= conf.rules.length) throw new PveError(`no rule at position ${pos}`);
        const rule = conf.rules[pos];
        if (a.moveto !== undefined && Number(a.moveto) !== pos) {
          // Rules.pm update_rule: the rule goes before the one that was at `moveto`, or last.
          const moveto = Number(a.moveto);
          const next: FwRule[] = [];
          conf.rules.forEach((r, i) => {
            if (i === pos) return;
            if (i === moveto) next.push(rule);
            next.push(r);
          });
          if (moveto >= conf.rules.length) next.push(rule);
          conf.rules = next;
          return;
        }
        copyRuleData(rule, a);
        for (const key of (a.delete ?? "").split(/[,;\s]+/).filter(Boolean)) {
          if (!RULE[key]) throw new ParamError({ delete: `no such property ('${key}')` });
          if (key === "type" || key === "action") throw new ParamError({ delete: `unable to delete required property '${key}'` });
          delete (rule as unknown as Record<string, unknown>)[key];
        }
        verifyVmRule(rule, ctx.sim.firewall.cluster, conf);
      });
      return null;
    },
  },
  {
    method: "DELETE",
    path: `${FW}/rules/{pos}`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...VMID, pos: { type: "integer", minimum: 0 }, digest: { type: "string", maxLength: 64, optional: true } }, a);
      edit(ctx.sim, vmid(ctx), (conf) => {
        assertDigest(listWithDigest(conf.rules).digest, a.digest);
        const pos = Number(a.pos);
        if (pos >= conf.rules.length) throw new PveError(`no rule at position ${pos}`);
        conf.rules.splice(pos, 1);
      });
      return null;
    },
  },
  {
    method: "GET",
    path: "/cluster/firewall/options",
    allow: [],
    handler: ({ sim }) => ({ ...sim.firewall.cluster.options, digest: objectDigest(sim.firewall.cluster.options) }),
  },
  {
    method: "GET",
    path: "/cluster/firewall/groups",
    allow: [],
    handler: ({ sim }) =>
      listWithDigest(
        Object.keys(sim.firewall.groups)
          .sort()
          .map((group) => ({ group })),
      ).list,
  },
];

/** The permission checks these routes declare, run before the handler (route-permissions.ts). */
export const firewallRoutePermissions: Record<string, (perms: Sim["permissions"], params: Record<string, string>) => void> = {
  [`GET ${FW}/options`]: (p, { vmid: id }) => p.check(`/vms/${id}`, ["VM.Audit"]),
  [`PUT ${FW}/options`]: (p, { vmid: id }) => p.check(`/vms/${id}`, ["VM.Config.Network"]),
  ...Object.fromEntries(
    ["rules", "rules/{pos}", "ipset", "ipset/{name}", "ipset/{name}/{cidr}"].flatMap((sub) => [
      [`GET ${FW}/${sub}`, (p: Sim["permissions"], { vmid: id }: Record<string, string>) => p.check(`/vms/${id}`, ["VM.Audit"])],
      ...["POST", "PUT", "DELETE"].map((m) => [
        `${m} ${FW}/${sub}`,
        (p: Sim["permissions"], { vmid: id }: Record<string, string>) => p.check(`/vms/${id}`, ["VM.Config.Network"]),
      ]),
    ]),
  ),
  "GET /cluster/firewall/options": (p) => p.check("/", ["Sys.Audit"]),
  "GET /cluster/firewall/groups": (p) => p.check("/", ["Sys.Audit"]),
};
