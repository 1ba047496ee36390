// `/nodes/{node}/qemu/{vmid}/firewall/*` and the datacenter's `/cluster/firewall/options|groups`
// (pve-firewall PVE/API2/Firewall/{VM,Rules,IPSet,Cluster,Groups}.pm). Reads need VM.Audit, writes
// VM.Config.Network on /vms/{vmid}; the datacenter's need Sys.Audit / Sys.Modify on /.
import type { Sim } from "../context";
import { ParamError, PveError } from "../errors";
import { type FwConfig, type FwRule, LOG_LEVELS, ipsetNameOk, listWithDigest, objectDigest, verifyVmRule } from "../firewall";
import type { Route, RouteCtx } from "../router";
import { type Schema, formats, validateParams } from "../schema";

const FW = "/nodes/{node}/qemu/{vmid}/firewall";
const all = () => true;
const args = (ctx: RouteCtx) => ({ ...ctx.args, ...ctx.params });
const VMID: Schema = {
  node: { type: "string", pattern: /[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?/ },
  vmid: { type: "integer", minimum: 100, maximum: 999999999 },
};
const LOG = { type: "string", enum: LOG_LEVELS, optional: true } as const;
const BOOL = { type: "boolean", optional: true } as const;

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
const IPSET_NAME = { type: "string", pattern: /[A-Za-z][A-Za-z0-9\-_]+/, minLength: 2, maxLength: 64 } as const;
const CIDR = {
  type: "string",
  format: (v: string) =>
    formats.ip(v) === undefined || formats.cidr(v) === undefined || /^[A-Za-z]/.test(v)
      ? undefined
      : "value does not look like a valid IP address or CIDR network",
} as const;

const vmid = (ctx: RouteCtx) => Number(ctx.params.vmid);

/** lock_vmfw_conf + load + save: the handler changes a copy, which replaces the file at once. */
function edit<T>(sim: Sim, id: number, change: (conf: FwConfig) => T): T {
  const conf: FwConfig = JSON.parse(JSON.stringify(sim.firewall.read(id)));
  const result = change(conf);
  sim.firewall.write(id, conf);
  return result;
}

const assertDigest = (expected: string, given: string | undefined) => {
  if (given && given !== expected) throw new PveError("detected modified configuration - file changed by other user? Try again.");
};

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

function ipsetOf(conf: FwConfig, name: string) {
  const set = conf.ipset[name];
  if (!set) throw new PveError(`no such IPSet '${name}'`);
  return set;
}

function normaliseCidr(cidr: string) {
  return cidr.endsWith("/32") ? cidr.slice(0, -3) : cidr;
}

export const firewallRoutes: Route[] = [
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
    path: `${FW}/ipset`,
    allow: all,
    handler: (ctx) => {
      validateParams(VMID, args(ctx));
      const conf = ctx.sim.firewall.read(vmid(ctx));
      const names = Object.keys(conf.ipset).sort();
      return listWithDigest(names.map((name) => ({ name, ...(conf.ipsetComments[name] ? { comment: conf.ipsetComments[name] } : {}) }))).list;
    },
  },
  {
    method: "POST",
    path: `${FW}/ipset`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams(
        {
          ...VMID,
          name: IPSET_NAME,
          comment: { type: "string", optional: true },
          digest: { type: "string", optional: true },
          rename: { ...IPSET_NAME, optional: true },
        },
        a,
      );
      edit(ctx.sim, vmid(ctx), (conf) => {
        if (a.rename) {
          if (!conf.ipset[a.rename]) throw new ParamError({ name: `IPSet '${a.rename}' does not exist` });
          if (conf.ipset[a.name] && a.name !== a.rename) throw new ParamError({ name: `IPSet '${a.name}' does already exist` });
          const data = conf.ipset[a.rename];
          delete conf.ipset[a.rename];
          conf.ipset[a.name] = data;
          return;
        }
        if (conf.ipset[a.name]) throw new ParamError({ name: `IPSet '${a.name}' already exists` });
        if (!ipsetNameOk(a.name)) throw new ParamError({ name: "value does not match the regex pattern" });
        conf.ipset[a.name] = [];
        if (a.comment !== undefined) conf.ipsetComments[a.name] = a.comment;
      });
      return null;
    },
  },
  {
    method: "GET",
    path: `${FW}/ipset/{name}`,
    allow: all,
    handler: (ctx) => {
      validateParams({ ...VMID, name: IPSET_NAME }, args(ctx));
      return listWithDigest(ipsetOf(ctx.sim.firewall.read(vmid(ctx)), ctx.params.name)).list;
    },
  },
  {
    method: "POST",
    path: `${FW}/ipset/{name}`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...VMID, name: IPSET_NAME, cidr: CIDR, nomatch: BOOL, comment: { type: "string", optional: true } }, a);
      edit(ctx.sim, vmid(ctx), (conf) => {
        const set = ipsetOf(conf, a.name);
        const cidr = normaliseCidr(a.cidr);
        if (set.some((e) => e.cidr === cidr)) throw new ParamError({ cidr: `address '${cidr}' already exists` });
        if (/\/0+$/.test(cidr)) throw new ParamError({ cidr: "a zero prefix is not allowed in ipset entries" });
        set.unshift({ cidr, ...(a.nomatch && /^(1|true|yes|on)$/i.test(a.nomatch) ? { nomatch: 1 } : {}), ...(a.comment ? { comment: a.comment } : {}) });
      });
      return null;
    },
  },
  {
    method: "DELETE",
    path: `${FW}/ipset/{name}`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...VMID, name: IPSET_NAME, force: BOOL }, a);
      edit(ctx.sim, vmid(ctx), (conf) => {
        const set = ipsetOf(conf, a.name);
        if (set.length && !/^(1|true|yes|on)$/i.test(a.force ?? "")) throw new PveError(`IPSet '${a.name}' is not empty`);
        delete conf.ipset[a.name];
        delete conf.ipsetComments[a.name];
      });
      return null;
    },
  },
  {
    // `fragmentDelimiter => ''`: the CIDR's slash belongs to the parameter (sent as %2F here).
    method: "DELETE",
    path: `${FW}/ipset/{name}/{cidr}`,
    allow: all,
    handler: (ctx) => {
      const a = args(ctx);
      validateParams({ ...VMID, name: IPSET_NAME, cidr: CIDR, digest: { type: "string", optional: true } }, a);
      edit(ctx.sim, vmid(ctx), (conf) => {
        const set = ipsetOf(conf, a.name);
        assertDigest(listWithDigest(set).digest, a.digest);
        conf.ipset[a.name] = set.filter((e) => e.cidr !== normaliseCidr(a.cidr));
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
