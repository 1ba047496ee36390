// The human view at `/` and `/_sim`: apps, functions, events and runs with each step's
// output or error, newest first. Refreshes itself so a developer can leave it open.
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
  <td><code>${escapeHtml(run.id)}</code><br><small>${escapeHtml(run.trigger)} · ${time(run.queuedAt)}–${time(run.endedAt)}</small></td>
  <td>${escapeHtml(run.functionId)}</td>
  <td><span class="st ${escapeHtml(run.status)}">${escapeHtml(run.status)}</span>${run.cancelledBy ? `<br><small>${escapeHtml(run.cancelledBy)}</small>` : ""}</td>
  <td><ol>${steps}</ol>${outcome}</td></tr>`;
}

export function renderPage(sim: SimContext): string {
  const runs = [...sim.executor.runs.values()].map(runView).reverse();
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
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Inngest stand-in</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}
pre{margin:.2rem 0;max-height:12rem;overflow:auto;background:#f6f6f6;padding:.3rem;white-space:pre-wrap}.err{color:#b00020}.st{font-weight:600}
.Completed,.completed{color:#08660b}.Failed,.failed,.errored{color:#b00020}.Cancelled{color:#777}.op{color:#555}ol{margin:0;padding-left:1.2rem}</style></head><body>
<h1>Inngest stand-in</h1><p>Local executor speaking the Inngest SDK protocol. JSON at <a href="/_sim/runs">/_sim/runs</a>, <a href="/_sim/events">/_sim/events</a>, <a href="/_sim/functions">/_sim/functions</a>, <a href="/_sim/apps">/_sim/apps</a>.</p>
<h2>Apps</h2><ul>${sync || "<li>none configured</li>"}</ul><h2>Functions</h2><ul>${fns || "<li>none registered yet</li>"}</ul>
<h2>Runs (${runs.length})</h2><table><tr><th>run</th><th>function</th><th>status</th><th>steps</th></tr>${runs.map(runRow).join("")}</table>
<h2>Events (${events.length})</h2><table><tr><th>event</th><th>name</th><th>data</th><th>runs</th></tr>${eventRows}</table></body></html>`;
}
