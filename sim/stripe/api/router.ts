import type { ParamSpec } from "../accepted-params";
import type { Params } from "../params";
import type { SimContext } from "../types";

export interface ApiCall {
  ctx: SimContext;
  params: Params;
}

export type Handler = (call: ApiCall, ...ids: string[]) => object;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  pattern: RegExp;
  /** The parameters this route understands; anything else is refused as `parameter_unknown`. */
  accepts: ParamSpec;
  handler: Handler;
}

/** `/v1/customers/:id` → a route whose handler receives the decoded ids in order. */
export function route(method: Route["method"], path: string, accepts: ParamSpec, handler: Handler): Route {
  const pattern = new RegExp(`^${path.replace(/:\w+/g, "([^/]+)")}$`);
  return { method, pattern, accepts, handler };
}

export function findRoute(routes: Route[], method: string, path: string): { route: Route; ids: string[] } | null {
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (match) return { route: candidate, ids: match.slice(1).map(decodeURIComponent) };
  }
  return null;
}
