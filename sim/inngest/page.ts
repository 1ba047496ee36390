// The human view at `/` and `/_sim`: apps, functions, events and runs with each step's
// output or error, newest first. Refreshes itself so a developer can leave it open.
// `/_sim/page?fn=&status=&event=&order=` filters the runs like the dev server's UI (function,
// status, event id, order id anywhere in the event's data); `?run=<id>` is one run's step timeline
// (each step's input, output or error, start, end and duration) with rerun (a failed run) and
// cancel; a form sends a test event. The forms post to `/_sim/ui/*` (control.ts).
import { escapeHtml } from "../shared/http";
import type { SimContext } from "./server";
import { runView, type RunView } from "./state";

const json = (value: unknown, max = 2000) => {
  const text = value === undefined ? "" : (JSON.stringify(value, null, 2) ?? "");
  return escapeHtml(text.length > max ? `${text.slice(0, max)}…` : text);
};

const time = (iso?: string) => (iso ? escapeHtml(iso.slice(11, 23)) : "");

function runRow(run: RunView): string {
  const steps = run.steps
    .map((s) => {
      const result = s.error ? `<pre class="err">${json(s.error.message ?? s.error)}</pre>` : s.output !== undefined ? `<pre>${json(s.output, 600)}</pre>` : "";
      return `<li><b>${escapeHtml(s.displayName)}</b> <span class="op">${escapeHtml(s.type ?? s.op)}</span> <span class="st ${escapeHtml(s.status)}">${escapeHtml(s.status)}</span> ×${s.attempts}${result}</li>`;
    })
    .join("");
  const outcome = run.error ? `<pre class="err">${json(run.error)}</pre>` : run.output !== undefined ? `<pre>${json(run.output)}</pre>` : "";
  return `<tr id="run-${escapeHtml(run.id)}">
  <td><a href="/_sim/page?run=${encodeURIComponent(run.id)}"><code>${escapeHtml(run.id)}</code></a><br><small>${escapeHtml(run.trigger)} · ${time(run.queuedAt)}–${time(run.endedAt)}</small></td>
  <td>${escapeHtml(run.functionId)}</td>
  <td><span class="st ${escapeHtml(run.status)}">${escapeHtml(run.status)}</span>${run.cancelledBy ? `<br><small>${escapeHtml(run.cancelledBy)}</small>` : ""}</td>
  <td><ol>${steps}</ol>${outcome}</td></tr>`;
}

export type PageFilters = { fn?: string; status?: string; event?: string; order?: string; run?: string };

export function pageFilters(url: URL): PageFilters {
  const get = (k: string) => url.searchParams.get(k)?.trim() || undefined;
  return { fn: get("fn"), status: get("status"), event: get("event"), order: get("order"), run: get("run") };
}

function matches(run: RunView, f: PageFilters): boolean {
  if (f.fn && !run.functionId.includes(f.fn)) return false;
  if (f.status && run.status !== f.status) return false;
  if (f.event && run.eventId !== f.event && run.event.id !== f.event) return false;
  if (f.order && !JSON.stringify(run.event.data ?? {}).includes(f.order)) return false;
  return true;
}

const ms = (a?: string, b?: string) => (a && b ? `${Math.max(0, Date.parse(b) - Date.parse(a))} ms` : "");

function filterForm(f: PageFilters): string {
  const input = (name: keyof PageFilters, label: string) => `<label>${label} <input name="${name}" value="${escapeHtml(f[name] ?? "")}" size="14"></label>`;
  const statuses = ["", "Queued", "Running", "Completed", "Failed", "Cancelled"]
    .map((st) => `<option${st === (f.status ?? "") ? " selected" : ""} value="${st}">${st || "any status"}</option>`)
    .join("");
  return `<form method="get" action="/_sim/page" class="bar">${input("fn", "function")} <select name="status" aria-label="status">${statuses}</select> ${input("event", "event id")} ${input("order", "order id")} <button>Filter</button> <a href="/_sim/page">clear</a></form>`;
}

function sendForm(): string {
  return `<form method="post" action="/_sim/ui/send" class="bar"><label>send a test event: name <input name="name" size="28" required></label> <label>data (JSON) <input name="data" size="40" value="{}"></label> <button>Send</button></form>`;
}

/** One run: its steps in order with input, output or error and timing; rerun and cancel. */
function runDetail(run: RunView): string {
  const steps = run.steps
    .map(
      (s) => `<tr><td><b>${escapeHtml(s.displayName)}</b><br><small class="op">${escapeHtml(s.type ?? s.op)} · ×${s.attempts}</small></td>
<td><span class="st ${escapeHtml(s.status)}">${escapeHtml(s.status)}</span></td><td>${time(s.startedAt)}<br>${time(s.endedAt)}<br><small>${ms(s.startedAt, s.endedAt)}</small></td>
<td>${s.opts ? `<pre>${json(s.opts, 1000)}</pre>` : ""}</td><td>${s.error ? `<pre class="err">${json(s.error, 2000)}</pre>` : s.output !== undefined ? `<pre>${json(s.output, 2000)}</pre>` : ""}</td></tr>`,
    )
    .join("");
  const actions = [
    run.status === "Failed"
      ? `<form method="post" action="/_sim/ui/rerun"><input type="hidden" name="run" value="${escapeHtml(run.id)}"><button>Rerun</button></form>`
      : "",
    run.status === "Queued" || run.status === "Running"
      ? `<form method="post" action="/_sim/ui/cancel"><input type="hidden" name="run" value="${escapeHtml(run.id)}"><button>Cancel</button></form>`
      : "",
  ].join(" ");
  return `<h2>Run <code>${escapeHtml(run.id)}</code></h2><p>${escapeHtml(run.functionId)} · <span class="st ${escapeHtml(run.status)}">${escapeHtml(run.status)}</span> · ${escapeHtml(run.trigger)} · queued ${time(run.queuedAt)}, started ${time(run.startedAt)}, ended ${time(run.endedAt)} (${ms(run.startedAt ?? run.queuedAt, run.endedAt)}) · event <a href="/_sim/page?event=${encodeURIComponent(run.eventId)}">${escapeHtml(run.eventId)}</a></p>
<div class="bar">${actions}</div><h3>Event</h3><pre>${json(run.event, 3000)}</pre>
<h3>Steps</h3><table><tr><th>step</th><th>status</th><th>start / end</th><th>input (options)</th><th>output or error</th></tr>${steps}</table>
${run.error ? `<h3>Error</h3><pre class="err">${json(run.error)}</pre>` : run.output !== undefined ? `<h3>Output</h3><pre>${json(run.output)}</pre>` : ""}<p><a href="/_sim/page">all runs</a></p>`;
}

export function renderPage(sim: SimContext, filters: PageFilters = {}): string {
  const all = [...sim.executor.runs.values()].map(runView).reverse();
  const single = filters.run ? all.find((r) => r.id === filters.run) : undefined;
  const runs = all.filter((r) => matches(r, filters));
  const events = [...sim.executor.events].reverse();
  const refused = [...sim.registry.apps.values()].filter((a) => a.error);
  const sync = [...sim.syncer.status.values()]
    .map((s) => `<li>${escapeHtml(s.url)}: ${s.ok ? "synced" : "not synced"} ${escapeHtml(s.message ?? "")}</li>`)
    .concat(refused.map((a) => `<li>${escapeHtml(a.appName)}: sync refused<pre>${escapeHtml(a.error ?? "")}</pre></li>`))
    .join("");
  const fns = [...sim.registry.functions.values()]
    .map((f) => {
      const triggers = [...f.eventTriggers.map((t) => t.event + (t.expression ? ` if ${t.expression}` : "")), ...f.crons.map((c) => `cron ${c.cron}`)];
      const ignored = f.ignored.length ? ` <small class="err">not enforced here: ${escapeHtml(f.ignored.join(", "))}</small>` : "";
      return `<li><b>${escapeHtml(f.id)}</b> ← ${escapeHtml(triggers.join(", "))} · retries ${f.retries}${ignored}</li>`;
    })
    .join("");
  const eventRows = events
    .map(
      (
        e,
      ) => `<tr><td><code>${escapeHtml(e.internalId)}</code><br><small>${time(new Date(e.receivedAt).toISOString())}${e.duplicates ? ` · ${e.duplicates} duplicate(s) ignored` : ""}</small></td>
  <td>${escapeHtml(e.event.name)}<br><small>id ${escapeHtml(e.event.id)}</small></td><td><pre>${json(e.event.data, 600)}</pre></td>
  <td>${e.runIds.map((id) => `<a href="#run-${escapeHtml(id)}">${escapeHtml(id.slice(-6))}</a>`).join(" ")}${e.skipped.map((s) => `<br><small>skipped ${escapeHtml(s.functionId)}: ${escapeHtml(s.reason)}</small>`).join("")}</td></tr>`,
    )
    .join("");
  const head = `<!doctype html><html><head><meta charset="utf-8">${single ? "" : '<meta http-equiv="refresh" content="3">'}<title>Inngest stand-in</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}
pre{margin:.2rem 0;max-height:12rem;overflow:auto;background:#f6f6f6;padding:.3rem;white-space:pre-wrap}.err{color:#b00020}.st{font-weight:600}
.Completed,.completed{color:#08660b}.Failed,.failed,.errored{color:#b00020}.Cancelled{color:#777}.op{color:#555}ol{margin:0;padding-left:1.2rem}.bar{margin:.5rem 0}.bar form{display:inline}</style></head><body>`;
  if (single) return `${head}<h1>Inngest stand-in</h1>${runDetail(single)}</body></html>`;
  if (filters.run) return `${head}<h1>Inngest stand-in</h1><p>No run ${escapeHtml(filters.run)}.</p></body></html>`;
  return `${head}
<h1>Inngest stand-in</h1><p>Local executor speaking the Inngest SDK protocol. JSON at <a href="/_sim/runs">/_sim/runs</a>, <a href="/_sim/events">/_sim/events</a>, <a href="/_sim/functions">/_sim/functions</a>, <a href="/_sim/apps">/_sim/apps</a>.</p>
<h2>Apps</h2><ul>${sync || "<li>none configured</li>"}</ul><h2>Functions</h2><ul>${fns || "<li>none registered yet</li>"}</ul>
${sendForm()}<h2>Runs (${runs.length}${runs.length !== all.length ? ` of ${all.length}` : ""})</h2>${filterForm(filters)}<table><tr><th>run</th><th>function</th><th>status</th><th>steps</th></tr>${runs.map(runRow).join("")}</table>
<h2>Events (${events.length})</h2><table><tr><th>event</th><th>name</th><th>data</th><th>runs</th></tr>${eventRows}</table></body></html>`;
}
