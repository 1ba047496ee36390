// The HTTPS front: `/api2/json/*` with PVE's auth, envelopes and status lines, `/_sim*` for the
// control API and inspection page, and the console WebSocket upgrade.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { timingSafeEqual } from "node:crypto";
import { parseBody, readBody, sendJson } from "../shared/http";
import type { Sim } from "./context";
import { ParamError, PveError, configLockTimeout, lockedError } from "./errors";
import { type Fault, type TaskFault, taskFaultOf } from "./faults";
import { checkRoutePermissions } from "./route-permissions";
import { type Route, matchRoute, unknownArgs } from "./router";
import type { VncService } from "./vnc";

export interface ApiServerDeps {
  sim: Sim;
  routes: Route[];
  vnc: VncService;
  tokenId: string;
  tokenSecret: string;
  control: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

const API_PREFIX = "/api2/json";
const KNOWN_METHODS = ["GET", "POST", "PUT", "DELETE"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** PVE answers "No ticket" when no credentials came at all, "authentication failure" for bad ones. */
export function checkToken(header: string | undefined, tokenId: string, secret: string): "ok" | "No ticket" | "authentication failure" {
  const m = /^PVEAPIToken=([^=\s]+)=(\S+)$/.exec(header?.trim() ?? "");
  if (!m) return "No ticket";
  return sameText(m[1], tokenId) && sameText(m[2], secret) ? "ok" : "authentication failure";
}

function toArgs(input: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input || typeof input !== "object") return out;
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === "boolean" ? (v ? "1" : "0") : typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return out;
}

function reply(res: ServerResponse, status: number, reason: string, body: unknown) {
  if (res.headersSent || res.destroyed) return;
  // The reason phrase carries PVE's error text; it has to be a single clean header line.
  res.statusMessage = reason.replace(/[^\t\x20-\x7e]+/g, " ").trim() || "error";
  sendJson(res, status, body);
}

async function applyFaults(faults: Fault[], path: string): Promise<"hang" | void> {
  if (faults.some((f) => f.kind === "timeout")) return "hang";
  for (const f of faults.filter((f) => f.kind === "delay")) await sleep(f.ms ?? 1000);
  const vmid = /\/qemu\/(\d+)/.exec(path)?.[1] ?? "0";
  const lockTimeout = faults.find((f) => f.kind === "configLock");
  if (lockTimeout) {
    await sleep(lockTimeout.ms ?? 0);
    throw configLockTimeout(vmid);
  }
  const lock = faults.find((f) => f.kind === "lock");
  if (lock) throw lockedError(lock.lock ?? "backup");
  const fail = faults.find((f) => f.kind === "http500");
  if (fail) throw new PveError(fail.message ?? "injected failure");
}

/** Lock faults that the route's worker meets inside the task (its exitstatus), not before forking. */
function lockFaultsInTask(route: Route, faults: Fault[], path: string, args: Record<string, string>): { rest: Fault[]; task: Partial<TaskFault> } {
  if (!route.locksInTask) return { rest: faults, task: {} };
  const inTask = (f: Fault) => f.kind === "configLock" || (f.kind === "lock" && route.locksInTask === "all");
  const hit = faults.find(inTask);
  if (!hit) return { rest: faults, task: {} };
  // A clone waits for the new id's lock file (lock_config_full($newid)).
  const vmid = args.newid ?? /\/qemu\/(\d+)/.exec(path)?.[1] ?? "0";
  const failWith = hit.kind === "configLock" ? configLockTimeout(vmid).message : lockedError(hit.lock ?? "backup").message;
  return { rest: faults.filter((f) => !inTask(f)), task: { failWith, lockFailure: true, extraMs: hit.kind === "configLock" ? (hit.ms ?? 0) : 0 } };
}

async function handleApi(deps: ApiServerDeps, req: IncomingMessage, res: ServerResponse, url: URL) {
  const { sim } = deps;
  const method = req.method ?? "GET";
  const path = url.pathname.slice(API_PREFIX.length) || "/";
  const raw = await readBody(req);
  let args: Record<string, string>;
  try {
    args = { ...Object.fromEntries(url.searchParams), ...toArgs(parseBody(req, raw)) };
  } catch {
    args = Object.fromEntries(url.searchParams);
  }
  const done = sim.log.begin({ kind: "api", method, path, params: args });
  let leave = method === "GET" ? undefined : sim.concurrency.enter();
  const slot = {
    take() {
      const taken = leave;
      leave = undefined;
      return taken;
    },
  };
  res.on("close", () => {
    slot.take()?.();
    done(res.headersSent ? res.statusCode : 0);
  });

  const auth = checkToken(req.headers.authorization, deps.tokenId, deps.tokenSecret);
  if (auth !== "ok") return reply(res, 401, auth, { data: null });
  if (!KNOWN_METHODS.includes(method)) return reply(res, 501, `method '${method}' not available`, { data: null });
  const match = matchRoute(deps.routes, method, path);
  if (!match.route || match.route.available?.(sim) === false) return reply(res, 501, `Method '${method} ${url.pathname}' not implemented`, { data: null });

  try {
    // pve-http-server checks the route's permissions before the handler validates parameters.
    checkRoutePermissions(sim.permissions, method, match.route.path, match.params, args);
    const bad = unknownArgs(match.route, args);
    if (Object.keys(bad).length) throw new ParamError(bad);
    const { rest, task } = lockFaultsInTask(match.route, sim.faults.take(method, path), path, args);
    if ((await applyFaults(rest, path)) === "hang") return;
    if (sim.settings.latencyMs > 0) await sleep(sim.settings.latencyMs);
    const base = taskFaultOf(rest);
    const fault: TaskFault = { extraMs: base.extraMs + (task.extraMs ?? 0), failWith: task.failWith ?? base.failWith, lockFailure: task.lockFailure, slot };
    const data = await match.route.handler({ sim, params: match.params, args, fault });
    reply(res, 200, "OK", { data: data ?? null });
  } catch (err) {
    if (err instanceof ParamError) return reply(res, 400, err.message, { errors: err.errors, data: null });
    const status = err instanceof PveError ? err.status : 500;
    const message = (err as Error).message;
    // Only PVE 9 repeats the error text in the body; PVE 8 has it in the status line alone.
    reply(res, status, message, sim.version >= 9 ? { data: null, message: `${message}\n` } : { data: null });
  }
}

export function createApiServer(tls: { key: string; cert: string }, deps: ApiServerDeps): Server {
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://localhost");
    let work: Promise<void>;
    if (url.pathname === "/_sim" || url.pathname.startsWith("/_sim/")) work = deps.control(req, res, url);
    else if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) work = handleApi(deps, req, res, url);
    else if (url.pathname === "/") work = Promise.resolve(void res.writeHead(302, { location: "/_sim" }).end());
    else work = Promise.resolve(reply(res, 501, "no such uri", { data: null }));
    work.catch((err: Error) => reply(res, 500, err.message, { data: null, message: `${err.message}\n` }));
  });
  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    const authorized = checkToken(req.headers.authorization, deps.tokenId, deps.tokenSecret) === "ok";
    deps.vnc.handleUpgrade(req, socket, head, authorized);
  });
  return server;
}
