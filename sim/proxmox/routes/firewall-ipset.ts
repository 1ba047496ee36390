// A guest firewall's ipsets (pve-firewall PVE/API2/Firewall/IPSet.pm): the list, create (or
// rename), one set's entries, add and remove an entry, delete a set (only empty, unless `force`).
import { ParamError, PveError } from "../errors";
import { type FwConfig, ipsetNameOk, listWithDigest } from "../firewall";
import type { Route } from "../router";
import { formats, validateParams } from "../schema";
import { BOOL, FW_ARGS as args, VMID, assertDigest, edit, vmid } from "./firewall-common";

const FW = "/nodes/{node}/qemu/{vmid}/firewall";
const all = () => true;
const IPSET_NAME = { type: "string", pattern: /[A-Za-z][A-Za-z0-9\-_]+/, minLength: 2, maxLength: 64 } as const;
const CIDR = {
  type: "string",
  format: (v: string) =>
    formats.ip(v) === undefined || formats.cidr(v) === undefined || /^[A-Za-z]/.test(v)
      ? undefined
      : "value does not look like a valid IP address or CIDR network",
} as const;

function ipsetOf(conf: FwConfig, name: string) {
  const set = conf.ipset[name];
  if (!set) throw new PveError(`no such IPSet '${name}'`);
  return set;
}

/** parse_ip_or_cidr keeps a single address without its /32. */
const normaliseCidr = (cidr: string) => (cidr.endsWith("/32") ? cidr.slice(0, -3) : cidr);

export const ipsetRoutes: Route[] = [
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
];
