// `GET /_sim`: one page to see what the app did to the "hypervisor".
import { escapeHtml } from "../shared/http";
import type { LoggedRequest } from "./activity";
import type { simState } from "./control";

type State = ReturnType<typeof simState>;
type Snippet = { name: string; size: number; content: string };

function table(headers: string[], rows: unknown[][]): string {
  if (!rows.length) return "<p><em>none</em></p>";
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  return `<table><tr>${head}</tr>${body}</table>`;
}

const pre = (value: unknown) => `<pre>${escapeHtml(typeof value === "string" ? value : JSON.stringify(value, null, 1))}</pre>`;

export function renderPage(state: State, requests: LoggedRequest[], snippets: Snippet[]): string {
  const vms = table(
    ["vmid", "node", "name", "status", "lock", "config", "snapshots", "cloud-init"],
    state.vms.map((v) => [
      v.vmid,
      escapeHtml(v.node),
      escapeHtml(v.name ?? ""),
      `${escapeHtml(v.status)} (${escapeHtml(v.qmpstatus)})`,
      escapeHtml(v.lock ?? ""),
      `<details><summary>${escapeHtml(v.digest.slice(0, 10))}</summary>${pre(v.config)}</details>`,
      escapeHtml(v.snapshots.map((s) => s.name).join(", ")),
      `${v.cloudinit.updates} update(s)`,
    ]),
  );
  const tasks = table(
    ["upid", "type", "id", "status", "exitstatus"],
    state.tasks.slice(0, 50).map((t) => [escapeHtml(t.upid), escapeHtml(t.type), escapeHtml(t.id), escapeHtml(t.status), escapeHtml(t.exitstatus ?? "")]),
  );
  const log = table(
    ["#", "time", "kind", "method", "path", "params", "status", "ms"],
    requests.map((r) => [
      r.id,
      escapeHtml(r.time),
      r.kind,
      escapeHtml(r.method),
      escapeHtml(r.path),
      escapeHtml(JSON.stringify(r.params)),
      r.status ?? "…",
      r.durationMs ?? "",
    ]),
  );
  const faults = table(
    ["id", "method", "path", "kind", "details", "hits", "remaining"],
    state.faults.map((f) => [
      f.id,
      escapeHtml(f.method ?? "*"),
      escapeHtml(f.path),
      escapeHtml(f.kind),
      escapeHtml(f.message ?? f.lock ?? f.ms ?? ""),
      f.hits,
      f.remaining ?? "∞",
    ]),
  );
  const files = table(
    ["file", "size", "content"],
    snippets.map((s) => [escapeHtml(s.name), s.size, `<details><summary>show</summary>${pre(s.content)}</details>`]),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>Proxmox VE stand-in</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;margin-bottom:1rem}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}pre{margin:0;font-size:12px}</style></head><body>
<h1>Proxmox VE stand-in</h1>
<p>In flight: ${state.inFlight.current} (max ${state.inFlight.max}) · task ${state.settings.taskDurationMs} ms · latency ${state.settings.latencyMs} ms ·
JSON: <a href="/_sim/state">/_sim/state</a>, <a href="/_sim/requests">/_sim/requests</a>, <a href="/_sim/snippets">/_sim/snippets</a></p>
<h2>VMs</h2>${vms}<h2>Faults</h2>${faults}<h2>Snippets</h2>${files}<h2>Tasks</h2>${tasks}<h2>Requests (latest 100)</h2>${log}
</body></html>`;
}
