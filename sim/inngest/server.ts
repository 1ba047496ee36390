// The HTTP face of the stand-in: the routes the SDK calls on a dev server (events API,
// function registration, run-state API) plus the `/_sim` controls and the page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody, sendHtml, sendJson } from "../shared/http";
import { handleControl } from "./control";
import type { Executor, IncomingEvent } from "./executor";
import { renderPage } from "./page";
import type { Registry } from "./registry";
import type { AppSyncer } from "./sync";

export interface SimContext {
  executor: Executor;
  registry: Registry;
  syncer: AppSyncer;
}

export function createInngestServer(sim: SimContext): Server {
  return createServer((req, res) => {
    route(sim, req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: err.message, status: 500 });
      else res.end();
    });
  });
}

async function route(sim: SimContext, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://inngest.sim");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const method = req.method ?? "GET";

  if (method === "POST" && (path === "/e" || path.startsWith("/e/"))) return eventsApi(sim, req, res);
  if (method === "POST" && path === "/fn/register") return register(sim, req, res);
  const runApi = /^\/v0\/runs\/([^/]+)\/(actions|batch)$/.exec(path);
  if (method === "GET" && runApi) return runState(sim, res, decodeURIComponent(runApi[1]), runApi[2]);
  if (method === "GET" && (path === "/" || path === "/_sim")) return sendHtml(res, 200, renderPage(sim));
  if (path.startsWith("/_sim/")) return handleControl(sim, req, res, path, url);
  if (path.startsWith("/v1/")) {
    // Checkpointing, realtime and signals live here on the real server. The executor never
    // sends `ctx.fn_id`, so the SDK has no reason to checkpoint against it.
    return sendJson(res, 501, { error: `${path} is not implemented by the local Inngest stand-in` });
  }
  return sendJson(res, 404, { error: `no route ${method} ${path}` });
}

async function eventsApi(sim: SimContext, req: IncomingMessage, res: ServerResponse) {
  let payload: unknown;
  try {
    const text = (await readBody(req)).toString("utf8");
    payload = text ? JSON.parse(text) : [];
  } catch {
    return sendJson(res, 400, { ids: [], status: 400, error: "body is not valid JSON" });
  }
  const list = Array.isArray(payload) ? payload : [payload];
  const bad = list.findIndex((e) => !e || typeof e !== "object" || typeof (e as IncomingEvent).name !== "string" || !(e as IncomingEvent).name);
  if (bad >= 0) return sendJson(res, 400, { ids: [], status: 400, error: `event ${bad} has no name` });
  const dataBad = list.findIndex((e) => {
    const data = (e as IncomingEvent).data;
    return data !== undefined && data !== null && (typeof data !== "object" || Array.isArray(data));
  });
  if (dataBad >= 0) return sendJson(res, 400, { ids: [], status: 400, error: `event ${dataBad}: data must be an object` });
  const seed = req.headers["x-inngest-event-id-seed"];
  const ids = sim.executor.ingest(list as IncomingEvent[], Array.isArray(seed) ? seed[0] : seed);
  return sendJson(res, 200, { ids, status: 200 });
}

async function register(sim: SimContext, req: IncomingMessage, res: ServerResponse) {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse((await readBody(req)).toString("utf8"));
  } catch {
    return sendJson(res, 400, { ok: false, error: "body is not valid JSON" });
  }
  if (!Array.isArray(body.functions) || typeof body.url !== "string") {
    return sendJson(res, 400, { ok: false, error: "register body needs url and functions" });
  }
  const { modified } = sim.registry.register(body);
  // The SDK reads `status` (default 200), `skipped`, `modified` and `error` (default "Successfully registered").
  return sendJson(res, 200, { ok: true, modified });
}

/** What the SDK fetches when the executor sets `ctx.use_api` (payloads too large to inline). */
function runState(sim: SimContext, res: ServerResponse, runId: string, what: string) {
  const run = sim.executor.runs.get(runId);
  if (!run) return sendJson(res, 404, { error: `no run ${runId}`, status: 404 });
  return sendJson(res, 200, what === "actions" ? run.memo : [run.event]);
}
