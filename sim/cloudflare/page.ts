// The `/_sim` inspection page: what exists in the fake account and zone, and the last requests.
import { escapeHtml as e } from "../shared/http";
import type { AccessStore } from "./access";
import type { DnsStore } from "./dns";
import type { FaultBook, RequestLog } from "./faults";
import type { TunnelStore } from "./tunnels";

interface PageInput {
  apiUrl: string;
  accountId: string;
  zoneId: string;
  zoneName: string;
  tunnels: TunnelStore;
  dns: DnsStore;
  access: AccessStore;
  faults: FaultBook;
  log: RequestLog;
}

const button = (action: string, label: string) => `<form method="post" action="${e(action)}" style="display:inline"><button>${e(label)}</button></form>`;

export function renderCloudflarePage(p: PageInput): string {
  const tunnels = p.tunnels
    .list()
    .reverse()
    .map((t) => {
      const hosts =
        p.tunnels
          .configurationOf(t.id)
          ?.config?.ingress.map((r) => r.hostname)
          .filter(Boolean) ?? [];
      const actions = t.deleted_at
        ? ""
        : `${button(`/_sim/tunnels/${t.id}/connect`, "connect")} ${button(`/_sim/tunnels/${t.id}/disconnect`, "disconnect")} ${button(`/_sim/tunnels/${t.id}/fail-connection`, "fail a connection")}`;
      return `<tr><td>${e(t.name)}</td><td><code>${e(t.id)}</code></td><td>${e(t.status)}</td><td>${p.tunnels.liveConnectors(t.id).reduce((n, c) => n + c.conns.length, 0)}</td>
        <td>${e(hosts.join(", "))}</td><td>${e(t.created_at)}</td><td>${e(t.deleted_at ?? "")}</td><td>${actions}</td></tr>`;
    })
    .join("");
  const records = p.dns
    .list()
    .map((r) => `<tr><td>${e(r.type)}</td><td>${e(r.name)}</td><td>${e(r.content)}</td><td>${r.proxied}</td><td><code>${e(r.id)}</code></td></tr>`)
    .join("");
  const apps = p.access
    .apps()
    .map(
      (a) =>
        `<tr><td>${e(a.name)}</td><td>${e(a.destinations.map((d) => d.uri).join(", "))}</td><td><code>${e(a.aud.slice(0, 12))}…</code></td><td>${e(
          p.access
            .policiesOf(a)
            .map((x) => `${x.decision} ${JSON.stringify(x.include)}`)
            .join("; "),
        )}</td></tr>`,
    )
    .join("");
  const faults = p.faults
    .list()
    .map((f) => `<li><code>${e(f.method ?? "*")} ${e(f.path)}</code> → ${e(f.status ?? "delay")} (${f.hits}/${f.count})</li>`)
    .join("");
  const requests = p.log
    .list()
    .slice(-50)
    .reverse()
    .map(
      (r) =>
        `<tr><td>${e(r.at)}</td><td>${e(r.method)}</td><td>${e(r.path)}${r.query ? `?${e(r.query)}` : ""}</td><td>${r.status}${r.fault ? " (fault)" : ""}</td><td>${r.ms} ms</td></tr>`,
    )
    .join("");

  return `<!doctype html><html><head><meta charset="utf-8"><title>Cloudflare stand-in</title>
<style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse;margin-bottom:2rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head>
<body><h1>Cloudflare stand-in</h1>
<p>API <code>${e(p.apiUrl)}</code> · account <code>${e(p.accountId)}</code> · zone <code>${e(p.zoneId)}</code> (${e(p.zoneName)})
 · <a href="/_sim/state">state JSON</a> · <a href="/_sim/requests">requests JSON</a> ${button("/_sim/reset", "reset")}</p>
<h2>Tunnels</h2><table><tr><th>name</th><th>id</th><th>status</th><th>conns</th><th>ingress hosts</th><th>created</th><th>deleted</th><th></th></tr>${tunnels}</table>
<h2>DNS records</h2><table><tr><th>type</th><th>name</th><th>content</th><th>proxied</th><th>id</th></tr>${records}</table>
<h2>Access applications</h2><table><tr><th>name</th><th>destinations</th><th>aud</th><th>policies</th></tr>${apps}</table>
<p>Edge: <code>/_edge/&lt;hostname&gt;/…</code> (<a href="/_sim/edge">log</a>) · log in for tests: <code>POST /_sim/access/login {hostname, email}</code></p>
<h2>Pending faults</h2><ul>${faults || "<li>none</li>"}</ul>
<h2>Last requests</h2><table><tr><th>at</th><th>method</th><th>path</th><th>status</th><th>time</th></tr>${requests}</table>
</body></html>`;
}
