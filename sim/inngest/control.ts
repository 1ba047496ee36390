// `/_sim/*`: the test and operator controls. None of this exists on the real dev server.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "../shared/http";
import type { SimContext } from "./server";
import { eventView, runView } from "./state";

export async function handleControl(sim: SimContext, req: IncomingMessage, res: ServerResponse, path: string, url: URL) {
  const method = req.method ?? "GET";
  const parts = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
  const [section, id, action] = parts;

  if (method === "GET" && section === "runs" && !id) {
    const status = url.searchParams.get("status");
    const fnId = url.searchParams.get("functionId");
    const runs = sim.executor.views().filter((r) => (!status || r.status === status) && (!fnId || r.functionId === fnId));
    return sendJson(res, 200, runs);
  }
  if (section === "runs" && id) {
    const run = sim.executor.runs.get(id);
    if (!run) return sendJson(res, 404, { error: `no run ${id}` });
    if (method === "POST" && action === "cancel") sim.executor.cancelRun(run, "cancelled through /_sim");
    return sendJson(res, 200, runView(run));
  }
  if (method === "GET" && section === "events") {
    const events = sim.executor.events.map(eventView);
    if (!id) return sendJson(res, 200, events);
    const event = events.find((e) => e.internalId === id || e.id === id);
    if (!event) return sendJson(res, 404, { error: `no event ${id}` });
    return sendJson(res, 200, {
      ...event,
      runs: event.runIds
        .map((r) => sim.executor.runs.get(r))
        .filter(Boolean)
        .map((r) => runView(r!)),
    });
  }
  if (method === "GET" && section === "functions") {
    return sendJson(
      res,
      200,
      [...sim.registry.functions.values()].map(({ raw: _raw, ...fn }) => fn),
    );
  }
  if (method === "GET" && section === "apps") {
    return sendJson(res, 200, { apps: [...sim.registry.apps.values()], sync: [...sim.syncer.status.values()] });
  }
  if (method === "POST" && section === "sync") {
    const raw = (await readBody(req)).toString("utf8");
    const body = raw ? (JSON.parse(raw) as { url?: string }) : {};
    return sendJson(res, 200, await sim.syncer.sync(body.url ?? url.searchParams.get("url") ?? undefined));
  }
  if (method === "POST" && section === "cron" && id) {
    const run = sim.executor.fireCron(id);
    if (!run) return sendJson(res, 404, { error: `no registered function "${id}" with a cron trigger` });
    return sendJson(res, 200, runView(run));
  }
  if (method === "POST" && section === "reset") {
    sim.executor.reset();
    return sendJson(res, 200, { ok: true });
  }
  return sendJson(res, 404, { error: `unknown control route ${method} ${path}` });
}
