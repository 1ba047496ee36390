// Resend-compatible mail sink. The real `resend` SDK reaches it when RESEND_BASE_URL is set before
// `new Resend()` runs (the SDK reads it in the constructor, or take `new Resend(key, { baseUrl })`).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { FaultBook, RequestLog, handleFaultRoutes, retryHeaders, sleep } from "../cloudflare/faults";
import { closeServer, listen, readBody, sendHtml, sendJson } from "../shared/http";
import { DOMAIN_STATUSES, MailAccount, type DomainStatus, type KeyPermission } from "./account";
import { renderMailPage } from "./page";
import { MailStore, type MessageFilter, type StoredEmail } from "./store";
import { ResendError, bareAddress, validateEmail } from "./validate";

export interface MailSimOptions {
  port: number;
  host: string;
  /** Sending domains, verified at start (default: MAIL_FROM's domain, else lab.localhost). */
  domains?: string[];
  /** Resend's per-team request rate (default 2/s, Resend's default); null turns it off. */
  rateLimitPerSecond?: number | null;
  /** Emails per UTC day (the free plan's is 100); null (default) = no daily quota. */
  dailyQuota?: number | null;
  monthlyQuota?: number | null;
}

export interface MailSimHandle {
  name: "mail";
  url: string;
  port: number;
  /** Variables the app needs to reach this stand-in (any `re_` key is accepted). */
  env: Record<string, string>;
  options: MailSimOptions;
  close(): Promise<void>;
  /** Received mail, newest first. */
  messages(filter?: MessageFilter): StoredEmail[];
  /** Newest matching message; waits up to `timeoutMs` for one to arrive. */
  waitForMessage(filter?: MessageFilter, timeoutMs?: number): Promise<StoredEmail>;
  faults: FaultBook;
  requests: RequestLog;
  /** The account: domains (`setDomain`), key permissions (`setKey`), rate and quota counters. */
  account: MailAccount;
  reset(): void;
}

const DEFAULTS: MailSimOptions = { port: 12114, host: "127.0.0.1", rateLimitPerSecond: 2, dailyQuota: null, monthlyQuota: null };
const MAX_BATCH = 100;

export function mailSimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MailSimOptions {
  const port = Number(env.MAIL_SIM_PORT ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MAIL_SIM_PORT is not a port: ${env.MAIL_SIM_PORT}`);
  const fromDomain = /@([^>\s]+)>?\s*$/.exec(env.MAIL_FROM ?? "")?.[1];
  const limit = (name: string): number | null | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    if (raw === "off") return null;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} is not a positive integer or "off": ${raw}`);
    return n;
  };
  const chosen = {
    rateLimitPerSecond: limit("MAIL_SIM_RATE_LIMIT_PER_SECOND"),
    dailyQuota: limit("MAIL_SIM_DAILY_QUOTA"),
    monthlyQuota: limit("MAIL_SIM_MONTHLY_QUOTA"),
  };
  const set = Object.fromEntries(Object.entries(chosen).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...set, port, domains: [fromDomain ?? "lab.localhost"] };
}

function faultError(status: number): ResendError {
  if (status === 429) return new ResendError(429, "rate_limit_exceeded", "Too many requests. Please limit the number of requests per second.");
  if (status >= 500) return new ResendError(status, "internal_server_error", "An unexpected error occurred. (simulated)");
  return new ResendError(status, "application_error", "Simulated failure");
}

/** The `GET /emails/:id` shape: what Resend exposes, not the sink's extra fields. */
function apiView(m: StoredEmail) {
  const { headers: _h, attachments: _a, idempotency_key: _k, ...view } = m;
  return view;
}

export async function startMailSim(overrides: Partial<MailSimOptions> = {}): Promise<MailSimHandle> {
  const options = { ...DEFAULTS, ...overrides };
  const store = new MailStore();
  const account = new MailAccount({
    domains: options.domains ?? ["lab.localhost"],
    rateLimitPerSecond: options.rateLimitPerSecond ?? null,
    dailyQuota: options.dailyQuota ?? null,
    monthlyQuota: options.monthlyQuota ?? null,
    ownerEmail: "owner@lab.localhost",
  });
  const faults = new FaultBook();
  const log = new RequestLog();

  function parseJson(raw: Buffer): unknown {
    try {
      return JSON.parse(raw.toString("utf8") || "null");
    } catch {
      throw new ResendError(422, "validation_error", "The request body is not valid JSON.");
    }
  }

  function sendBatch(req: IncomingMessage, body: unknown, key: string | null) {
    if (!Array.isArray(body) || body.length < 1 || body.length > MAX_BATCH) {
      throw new ResendError(422, "validation_error", `The request body must be an array of 1 to ${MAX_BATCH} emails.`);
    }
    const strict = req.headers["x-batch-validation"] !== "permissive";
    return store.idempotent("batch", key, body, () => {
      const checked = body.map((item, index) => {
        try {
          return { index, content: validateEmail(item, true) };
        } catch (error) {
          if (!(error instanceof ResendError)) throw error;
          return { index, error };
        }
      });
      const failed = checked.filter((c) => c.error);
      // Strict (the SDK's default) sends nothing when any email is invalid; permissive sends the rest.
      if (strict && failed.length) throw new ResendError(422, failed[0].error!.code, `emails[${failed[0].index}]: ${failed[0].error!.message}`);
      const ok = checked.filter((c) => c.content).map((c) => c.content!);
      for (const content of ok) account.checkSender(content.from, recipientsOf(content));
      account.checkQuota();
      const data = ok.map((content) => ({ id: send(content, key) }));
      return strict ? { data } : { data, errors: failed.map((f) => ({ index: f.index, message: f.error!.message })) };
    });
  }

  /** Stores one accepted email and counts its recipients against the quotas. */
  function send(content: ReturnType<typeof validateEmail>, key: string | null): string {
    account.countSent(recipientsOf(content).length);
    return store.add(content, key).id;
  }

  function sendOne(body: unknown, key: string | null) {
    const content = validateEmail(body);
    account.checkSender(content.from, recipientsOf(content));
    account.checkQuota();
    return { id: send(content, key) };
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: string) {
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const fault = faults.take(method, path);
    log.track(req, res, path, query, fault);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status) return sendJson(res, fault.status, faultError(fault.status), retryHeaders(fault));

    const auth = req.headers.authorization;
    if (!auth?.startsWith("Bearer ") || !auth.slice(7).trim()) {
      throw new ResendError(
        401,
        "missing_api_key",
        "Missing API key in the authorization header. Include the following header Authorization: Bearer YOUR_API_KEY in the request.",
      );
    }
    if (!auth.startsWith("Bearer re_")) throw new ResendError(403, "invalid_api_key", "API key is invalid");
    account.checkPermission(auth.slice(7).trim(), method, path);
    // Every API request counts against the team's rate; its headers go on every answer.
    const rate = account.takeRequest();
    const reply = (status: number, body: unknown) => sendJson(res, status, body, { ...rate, ...account.quotaHeaders() });

    const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
    const emailId = path.match(/^\/emails\/([^/]+)$/)?.[1];
    if (path === "/emails" && method === "POST") {
      const body = parseJson(raw);
      return reply(
        200,
        store.idempotent("emails", key, body, () => sendOne(body, key)),
      );
    }
    if (path === "/emails/batch" && method === "POST") return reply(200, sendBatch(req, parseJson(raw), key));
    if (path === "/usage" && method === "GET") return reply(200, account.usage());
    if (path === "/domains" && method === "GET") {
      // Resend's domain list (what `npm run doctor` reads): only `verified` ones may send.
      const data = account.domains().map(({ name, status }, i) => ({
        id: `sim-domain-${i + 1}`,
        object: "domain",
        name,
        status,
        created_at: "2026-01-01T00:00:00.000Z",
        region: "us-east-1",
      }));
      return reply(200, { object: "list", has_more: false, data });
    }
    if (emailId && emailId !== "batch" && method === "GET") {
      const message = store.get(emailId);
      if (!message) throw new ResendError(404, "not_found", "Email not found");
      return reply(200, apiView(message));
    }
    if (path === "/emails" || path === "/emails/batch" || emailId) {
      throw new ResendError(405, "method_not_allowed", "Method is not allowed for the requested path.");
    }
    throw new ResendError(404, "not_found", "The requested endpoint does not exist.");
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL) {
    const path = url.pathname;
    if (await handleFaultRoutes(req, res, path, faults, log)) return;
    const filter = { to: url.searchParams.get("to") ?? undefined, subject: url.searchParams.get("subject") ?? undefined };
    const one = path.match(/^\/_sim\/messages\/([^/]+)(\/html)?$/);

    const domain = path.match(/^\/_sim\/domains\/([^/]+)$/)?.[1];
    if (req.method === "GET" && path === "/_sim/domains") return sendJson(res, 200, { domains: account.domains() });
    if (domain && (req.method === "PUT" || req.method === "DELETE")) {
      const status = req.method === "DELETE" ? null : ((parseJsonSafe(await readBody(req)) as { status?: string })?.status ?? "verified");
      if (status !== null && !DOMAIN_STATUSES.includes(status as DomainStatus))
        return sendJson(res, 400, { error: `status must be one of ${DOMAIN_STATUSES.join(", ")}` });
      account.setDomain(decodeURIComponent(domain), status as DomainStatus | null);
      return sendJson(res, 200, { domains: account.domains() });
    }
    if (req.method === "POST" && path === "/_sim/api-keys") {
      const body = parseJsonSafe(await readBody(req)) as { token?: string; permission?: string };
      if (!body?.token?.startsWith("re_") || !["full_access", "sending_access"].includes(body.permission ?? "")) {
        return sendJson(res, 400, { error: "{ token: 're_…', permission: 'full_access' | 'sending_access' }" });
      }
      account.setKey(body.token, body.permission as KeyPermission);
      return sendJson(res, 200, { token: body.token, permission: body.permission });
    }
    if (req.method === "GET" && path === "/_sim/rate") return sendJson(res, 200, account.rateStats());
    if (req.method === "DELETE" && path === "/_sim/rate") {
      account.resetRateStats();
      return sendJson(res, 200, account.rateStats());
    }
    if (req.method === "GET" && path === "/_sim") return sendHtml(res, 200, renderMailPage(handle.url, store.list()));
    if (req.method === "GET" && path === "/_sim/health") return sendJson(res, 200, { ok: true, name: "mail" });
    if (req.method === "GET" && path === "/_sim/messages") return sendJson(res, 200, { messages: store.list(filter) });
    if (req.method === "DELETE" && path === "/_sim/messages") {
      store.clear();
      return sendJson(res, 200, { messages: [] });
    }
    if (req.method === "POST" && path === "/_sim/reset") {
      handle.reset();
      // The page's "clear" button posts a form; send the browser back to the page.
      res.writeHead(303, { location: "/_sim" });
      return res.end();
    }
    if (req.method === "GET" && one) {
      const message = store.get(one[1]);
      if (!message) return sendJson(res, 404, { error: "no such message" });
      if (!one[2]) return sendJson(res, 200, message);
      // Served on its own with a CSP sandbox so opening it directly is as safe as the iframe.
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": "sandbox allow-popups allow-popups-to-escape-sandbox" });
      return res.end(linksOpenOutside(message.html ?? ""));
    }
    sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
  }

  /**
   * A link inside the sandboxed frame would load the app inside the frame, which the app refuses
   * (frame-ancestors 'none'): the message's links open in a new tab instead, as in a mail client.
   */
  function linksOpenOutside(html: string): string {
    const base = '<base target="_blank">';
    return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => `${head}${base}`) : `${base}${html}`;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    try {
      if (url.pathname === "/_sim" || url.pathname.startsWith("/_sim/")) return await handleControl(req, res, url);
      await handleApi(req, res, url.pathname, url.searchParams.toString());
    } catch (error) {
      if (res.headersSent) return;
      if (error instanceof ResendError) return sendJson(res, error.statusCode, error, error.headers);
      console.error("[mail sim]", error);
      sendJson(res, 500, new ResendError(500, "internal_server_error", "Internal error in the mail stand-in"));
    }
  });

  const port = await listen(server, options.port, options.host);
  const url = `http://${options.host}:${port}`;
  const handle: MailSimHandle = {
    name: "mail",
    url,
    port,
    env: { RESEND_BASE_URL: url, RESEND_API_KEY: "re_sim_local_key" },
    options: { ...options, port },
    close: () => closeServer(server),
    messages: (filter) => store.list(filter),
    waitForMessage: (filter = {}, timeoutMs = 5000) => store.waitFor(filter, timeoutMs),
    faults,
    requests: log,
    account,
    reset() {
      store.clear();
      account.reset();
      faults.clear();
      log.clear();
    },
  };
  return handle;
}

function recipientsOf(content: { to: string[]; cc: string[] | null; bcc: string[] | null }): string[] {
  return [...content.to, ...(content.cc ?? []), ...(content.bcc ?? [])].map((a) => bareAddress(a) ?? a);
}

function parseJsonSafe(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    return {};
  }
}

export type { StoredEmail, MessageFilter };
