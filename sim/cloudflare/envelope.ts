// Cloudflare's v4 envelope and error shape. The SDK builds its error classes from the HTTP status
// and reads `errors[]` from the body, so both must look like the real API for the app's error
// handling to be tested for real.
import type { ServerResponse } from "node:http";
import { sendJson } from "../shared/http";

export interface CfMessage {
  code: number;
  message: string;
}

export class CfError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly more: CfMessage[] = [],
  ) {
    super(message);
  }
}

export const badRequest = (code: number, message: string) => new CfError(400, code, message);

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

export interface Reply {
  result: unknown;
  result_info?: ResultInfo;
}

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle(ctx: RouteContext): Reply;
}

/** `route("GET", "/zones/:zone/dns_records/:id", fn)`: `:name` captures one path segment. */
export function route(method: string, path: string, handle: (ctx: RouteContext) => Reply): Route {
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, "(?<$1>[^/]+)")}/?$`);
  return { method, pattern, handle };
}

export function sendResult(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}) {
  sendJson(res, 200, { success: true, errors: [], messages: [], ...reply }, headers);
}

export function sendError(res: ServerResponse, error: CfError, headers: Record<string, string> = {}) {
  const errors = [{ code: error.code, message: error.message }, ...error.more];
  sendJson(res, error.status, { success: false, errors, messages: [], result: null }, headers);
}

/**
 * Page-number pagination as the SDK's V4PagePaginationArray expects: it keeps asking for
 * `page + 1` until a page comes back empty, so a page past the end must be `[]`, not an error.
 */
export function paginate<T>(items: T[], query: URLSearchParams, defaultPerPage: number, maxPerPage: number): Reply {
  const page = Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1);
  const perPage = Math.min(maxPerPage, Math.max(1, Number.parseInt(query.get("per_page") ?? "", 10) || defaultPerPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    result: slice,
    result_info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    },
  };
}

export function nowIso() {
  return new Date().toISOString();
}
