// What the guest firewall routes share: the path parameters' schema, the file edit under its
// lock, and the digest check.
import type { Sim } from "../context";
import { PveError } from "../errors";
import type { FwConfig } from "../firewall";
import type { RouteCtx } from "../router";
import type { Schema } from "../schema";

export const VMID: Schema = {
  node: { type: "string", pattern: /[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?/ },
  vmid: { type: "integer", minimum: 100, maximum: 999999999 },
};
export const BOOL = { type: "boolean", optional: true } as const;
export const vmid = (ctx: RouteCtx) => Number(ctx.params.vmid);
export const FW_ARGS = (ctx: RouteCtx) => ({ ...ctx.args, ...ctx.params });

/** lock_vmfw_conf + load + save: the handler changes a copy, which replaces the file at once. */
export function edit<T>(sim: Sim, id: number, change: (conf: FwConfig) => T): T {
  const conf: FwConfig = JSON.parse(JSON.stringify(sim.firewall.read(id)));
  const result = change(conf);
  sim.firewall.write(id, conf);
  return result;
}

export const assertDigest = (expected: string, given: string | undefined) => {
  if (given && given !== expected) throw new PveError("detected modified configuration - file changed by other user? Try again.");
};
