// `/_sim/*`: the test and operator controls. None of this exists on the real dev server.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendHtml, sendJson } from "../shared/http";
import type { SimContext } from "./server";
import { eventView, runView } from "./state";
import { pageFilters, renderPage } from "./page";

/** A failed (or cancelled) run again: a new run of the same function with the same event (a fresh id). */
function rerun(sim: SimContext, runId: string) {
  const run = sim.executor.runs.get(runId);
  if (!run || (run.status !== "Failed" && run.status !== "Cancelled")) return null;
  return (
    sim.executor.createRun(
      run.fn,
      { ...run.event, id: `${run.event.id}-rerun-${Date.now().toString(36)}` },
      undefined,
      run.trigger === "cron" ? "cron" : "event",
    ) ?? null
  );
}

/** The page's forms (form-encoded), answered with a redirect back to the page. */
async function handleUiForm(sim: SimContext, req: IncomingMessage, res: ServerResponse, action: string | undefined) {
  const form = new URLSearchParams((await readBody(req)).toString("utf8"));
  const back = (to: string) => void res.writeHead(303, { location: to }).end();
  if (action === "send") {
    const name = form.get("name")?.trim();
    let data: unknown = {};
    try {
      data = JSON.parse(form.get("data") || "{}");
    } catch {
      return sendJson(res, 400, { error: "data must be JSON" });
    }
    if (!name) return sendJson(res, 400, { error: "name is required" });
    const [id] = sim.executor.ingest([{ name, data: data as Record<string, unknown> }]);
    return back(`/_sim/page?event=${encodeURIComponent(id ?? "")}`);
  }
  const runId = form.get("run") ?? "";
  if (action === "rerun") {
    const created = rerun(sim, runId);
    return created ? back(`/_sim/page?run=${encodeURIComponent(created.id)}`) : sendJson(res, 409, { error: `run ${runId} is not a failed run` });
  }
  if (action === "cancel") {
    const run = sim.executor.runs.get(runId);
    if (!run) return sendJson(res, 404, { error: `no run ${runId}` });
    sim.executor.cancelRun(run, "cancelled on the page");
    return back(`/_sim/page?run=${encodeURIComponent(runId)}`);
  }
  return sendJson(res, 404, { error: `unknown form ${action}` });
}

export async function handleControl(sim: SimContext, req: IncomingMessage, res: ServerResponse, path: string, url: URL) {
  const method = req.method ?? "GET";
  const parts = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
  const [section, id, action] = parts;

  if (method === "GET" && section === "page") return sendHtml(res, 200, renderPage(sim, pageFilters(url)));
  if (method === "POST" && section === "ui") return handleUiForm(sim, req, res, id);
  if (method === "POST" && section === "runs" && id && action === "rerun") {
    const created = rerun(sim, id);
    return created ? sendJson(res, 200, runView(created)) : sendJson(res, 409, { error: `run ${id} is not a failed run` });
  }
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
