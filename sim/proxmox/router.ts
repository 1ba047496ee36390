// Path templates like `/nodes/{node}/qemu/{vmid}/config`, matched segment by segment on the
// percent-decoded path (UPIDs arrive encoded: their `:` and `@`/`!` must round-trip).
import type { Sim } from "./context";
import type { TaskFault } from "./faults";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface RouteCtx {
  sim: Sim;
  params: Record<string, string>;
  args: Record<string, string>;
  fault: TaskFault;
}

export interface Route {
  method: Method;
  path: string;
  /** Allowed arguments besides the path's own; PVE rejects anything else with a 400. */
  allow: Array<string | RegExp> | ((key: string) => boolean);
  handler: (ctx: RouteCtx) => unknown;
  /** False while the API subtree is not installed (SDN without libpve-network-perl): a 501. */
  available?: (sim: Sim) => boolean;
  /**
   * The worker takes the config lock itself (lock_config inside fork_worker), so a busy lock is
   * the task's exitstatus: "configLock" for that file lock only (clone checks the source's `lock`
   * property before forking), "all" for the `lock` property too.
   */
  locksInTask?: "configLock" | "all";
}

export type Match = { route: Route; params: Record<string, string> } | { route?: undefined; pathKnown: boolean };

export function splitPath(path: string): string[] {
  return path
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split("/").filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const name = /^\{(\w+)\}$/.exec(parts[i])?.[1];
    if (name) params[name] = segments[i];
    else if (parts[i] !== segments[i]) return undefined;
  }
  return params;
}

export function matchRoute(routes: Route[], method: string, path: string): Match {
  const segments = splitPath(path);
  let pathKnown = false;
  for (const route of routes) {
    const params = matchTemplate(route.path, segments);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method) return { route, params };
  }
  return { pathKnown };
}

const NOT_IN_SCHEMA = "property is not defined in schema and the schema does not allow additional properties";

export function unknownArgs(route: Route, args: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const key of Object.keys(args)) {
    const ok = typeof route.allow === "function" ? route.allow(key) : route.allow.some((a) => (typeof a === "string" ? a === key : a.test(key)));
    if (!ok) errors[key] = NOT_IN_SCHEMA;
  }
  return errors;
}
