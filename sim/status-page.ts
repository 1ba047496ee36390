// One page for a developer running `npm run sim`: every stand-in's URL, port, start time, health,
// and a link to its `/_sim` inspection view. Health is probed live on each page load.
import { createServer, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { closeServer, escapeHtml as e, listen, sendHtml, sendJson } from "./shared/http";
import type { SimHandle } from "./launch";

export interface StatusEntry {
  name: string;
  handle: SimHandle;
  startMs: number;
}

export interface StatusPage {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Health {
  up: boolean;
  detail: string;
}

/** Any HTTP answer from `/_sim` counts as up (a 5xx does not); refusals and timeouts are down. */
function probe(url: string, timeoutMs = 1500): Promise<Health> {
  return new Promise((resolve) => {
    const target = new URL("/_sim", url);
    // The Proxmox stand-in serves HTTPS with a self-signed certificate; this is a liveness probe of a
    // local stand-in, so the certificate is not checked here (the app pins it for real calls).
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(target, { method: "GET", timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ up: code > 0 && code < 500, detail: `HTTP ${code}` });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ up: false, detail: error.message }));
    req.end();
  });
}

const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD/i;

/** Env values with secret-looking names are masked: a real token may have been passed through. */
export function displayEnv(env: Record<string, string>): [string, string][] {
  return Object.entries(env).map(([k, v]) => [k, SECRET_NAME.test(k) ? "(set, hidden)" : v]);
}

async function collect(sims: StatusEntry[]) {
  const health = await Promise.all(sims.map((s) => probe(s.handle.url)));
  return sims.map((s, i) => ({
    name: s.name,
    url: s.handle.url,
    port: s.handle.port,
    inspect: new URL("/_sim", s.handle.url).toString(),
    startMs: s.startMs,
    health: health[i],
    env: Object.fromEntries(displayEnv(s.handle.env ?? {})),
  }));
}

function render(rows: Awaited<ReturnType<typeof collect>>): string {
  const body = rows
    .map(
      (r) => `<tr><td>${e(r.name)}</td><td><a href="${e(r.inspect)}">${e(r.inspect)}</a></td><td>${e(r.url)}</td><td>${r.port}</td>
      <td class="${r.health.up ? "up" : "down"}">${r.health.up ? "up" : "down"} <small>${e(r.health.detail)}</small></td><td>${r.startMs} ms</td>
      <td>${Object.entries(r.env)
        .map(([k, v]) => `<code>${e(k)}=${e(v)}</code>`)
        .join("<br>")}</td></tr>`,
    )
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Lab VPS stand-ins</title><meta http-equiv="refresh" content="5">
<style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
.up{color:#176f2c}.down{color:#b3261e;font-weight:bold}</style></head>
<body><h1>Lab VPS local stand-ins</h1><p>Test doubles for the external services (see sim/README.md). <a href="/status.json">JSON</a></p>
<table><tr><th>service</th><th>inspection</th><th>url</th><th>port</th><th>health</th><th>started in</th><th>app env</th></tr>${body}</table></body></html>`;
}

export async function startStatusPage(opts: { port: number; host?: string; sims: StatusEntry[] }): Promise<StatusPage> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://status.invalid").pathname;
    if (req.method !== "GET") return sendJson(res, 405, { error: "GET only" });
    if (path === "/status.json") return sendJson(res, 200, { services: await collect(opts.sims) });
    if (path === "/" || path === "/_sim") return sendHtml(res, 200, render(await collect(opts.sims)));
    sendJson(res, 404, { error: "not found" });
  });
  const host = opts.host ?? "127.0.0.1";
  const port = await listen(server, opts.port, host);
  return { url: `http://${host}:${port}`, port, close: () => closeServer(server) };
}
