// The HTTP face of the stand-in: the routes the SDK calls on a dev server (events API,
// function registration, run-state API) plus the `/_sim` controls and the page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody, sendHtml, sendJson } from "../shared/http";
import { handleControl } from "./control";
import type { Executor, IncomingEvent } from "./executor";
import { renderPage } from "./page";
import type { Registry } from "./registry";
import type { AppSyncer } from "./sync";
import { INVALID_SYNC_MESSAGE } from "./validate";
import { checkpointAsync, type CheckpointBody } from "./checkpoint";
import { bearerMatches } from "./signing";

export const MAX_EVENT_BYTES = 512 * 1024;

export interface SimContext {
  executor: Executor;
  registry: Registry;
  syncer: AppSyncer;
  /** Production mode: SDK calls must carry `Authorization: Bearer <hashed key>`. */
  signingKey?: string;
  eventKey?: string;
}

const unauthorized = (res: ServerResponse) => sendJson(res, 401, { error: "Unauthorized", data: null, status: 401 });
const authorized = (sim: SimContext, req: IncomingMessage) => !sim.signingKey || bearerMatches(req.headers.authorization, sim.signingKey);

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

  if (method === "POST" && (path === "/e" || path.startsWith("/e/"))) {
    // pkg/api/api.go: in production only a known event key may send.
    if (sim.signingKey && decodeURIComponent(path.slice(3)) !== sim.eventKey) return sendJson(res, 401, { error: "Event key not found", status: 401 });
    return eventsApi(sim, req, res);
  }
  if (method === "POST" && path === "/fn/register") return authorized(sim, req) ? register(sim, req, res) : unauthorized(res);
  const checkpoint = /^\/v1\/checkpoint\/([^/]+)\/async$/.exec(path);
  if (method === "POST" && checkpoint) {
    if (!authorized(sim, req)) return unauthorized(res);
    const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as CheckpointBody;
    const answer = checkpointAsync(sim.executor, decodeURIComponent(checkpoint[1]), body);
    return sendJson(res, answer.status, answer.body);
  }
  const runApi = /^\/v0\/runs\/([^/]+)\/(actions|batch)$/.exec(path);
  if (method === "GET" && runApi) return authorized(sim, req) ? runState(sim, res, decodeURIComponent(runApi[1]), runApi[2]) : unauthorized(res);
  if (method === "GET" && (path === "/" || path === "/_sim")) return sendHtml(res, 200, renderPage(sim));
  // The dev server's info route (pkg/devserver/api.go Info): what is registered, by slug.
  if (method === "GET" && path === "/dev") {
    if (!authorized(sim, req)) return unauthorized(res);
    const functions = [...sim.registry.functions.values()].map((f) => ({ id: f.internalId, name: f.name, slug: f.id, triggers: f.raw.triggers }));
    return sendJson(res, 200, { version: "lab-vps-sim", functions, handlers: [], isMissingSigningKey: false, isMissingEventKeys: false });
  }
  if (path.startsWith("/_sim/")) return handleControl(sim, req, res, path, url);
  if (path.startsWith("/v1/")) {
    // Sync-mode checkpoints (durable endpoints), realtime and signals: not used by this app.
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
  // pkg/eventstream: one event over the limit refuses the whole request (Inngest Cloud's
  // default is 512 KiB per event; the dev server alone allows 3 MiB).
  const tooBig = list.map((e) => Buffer.byteLength(JSON.stringify(e))).find((size) => size > MAX_EVENT_BYTES);
  if (tooBig !== undefined)
    return sendJson(res, 400, { ids: [], status: 400, error: `Event is over the max size: Max ${MAX_EVENT_BYTES} bytes / Size ${tooBig} bytes` });
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
  const result = sim.registry.register(body);
  // The dev server's publicerr JSON; the details stay on the app (GET /_sim/apps), as there.
  if (!result.ok) return sendJson(res, 400, { error: INVALID_SYNC_MESSAGE, data: null, status: 400 });
  // The SDK reads `status` (default 200), `skipped`, `modified` and `error` (default "Successfully registered").
  return sendJson(res, 200, { ok: true, modified: result.modified });
}

/** What the SDK fetches when the executor sets `ctx.use_api` (payloads too large to inline). */
function runState(sim: SimContext, res: ServerResponse, runId: string, what: string) {
  const run = sim.executor.runs.get(runId);
  if (!run) return sendJson(res, 404, { error: `no run ${runId}`, status: 404 });
  return sendJson(res, 200, what === "actions" ? run.memo : [run.event]);
}
