// Fault injection and a request log, shared by the Cloudflare and mail stand-ins (both mine; it
// could move to sim/shared once the other stand-ins want it). Faults exist so tests can prove I8:
// upstream 5xx/429 and slow answers are retried where safe and never leave half-owned resources.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseBody, readBody, sendJson } from "../shared/http";

export interface FaultSpec {
  /** Glob on the API path without query: `*` stays inside one segment, `**` crosses segments. */
  path: string;
  /** Only this HTTP method (any when omitted). */
  method?: string;
  /** Answer with this status instead of the real handler; omit for a latency-only fault. */
  status?: number;
  /** How many matching requests are affected (default 1). */
  count?: number;
  /** Wait this long before answering (also applies to latency-only faults). */
  delayMs?: number;
  /** Sent as `retry-after-ms` (and `retry-after`) so SDK retries can be made fast or slow. */
  retryAfterMs?: number;
  /**
   * Active for this many milliseconds from its first hit (an outage window), then spent; it stays
   * listed with its hits. Combines with `count` (whichever ends first).
   */
  forMs?: number;
}

export interface Fault extends Required<Pick<FaultSpec, "path" | "count">>, Omit<FaultSpec, "path" | "count"> {
  id: number;
  hits: number;
  /** Epoch ms when a `forMs` fault stops matching (set at its first hit). */
  activeUntil?: number;
}

export interface RequestEntry {
  at: string;
  method: string;
  path: string;
  query: string;
  status: number;
  ms: number;
  fault?: number;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${escaped
      .replace(/\*\*/g, "\u0000")
      .replace(/\*/g, "[^/]*")
      .replace(/\u0000/g, ".*")}$`,
  );
}

export class FaultBook {
  #faults: (Fault & { re: RegExp })[] = [];
  #nextId = 1;

  add(spec: FaultSpec): Fault {
    if (typeof spec?.path !== "string" || !spec.path.startsWith("/")) throw new Error("fault.path must be a glob starting with /");
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599)) {
      throw new Error("fault.status must be an HTTP error status (400-599)");
    }
    if (spec.forMs !== undefined && !(Number.isFinite(spec.forMs) && spec.forMs > 0)) throw new Error("fault.forMs must be a positive number of milliseconds");
    const fault = { ...spec, method: spec.method?.toUpperCase(), count: spec.count ?? 1, id: this.#nextId++, hits: 0 };
    this.#faults.push({ ...fault, re: globToRegExp(spec.path) });
    return fault;
  }

  /** Consumes one use of the first fault matching this request, if any. */
  take(method: string, path: string): Fault | undefined {
    const now = Date.now();
    const found = this.#faults.find((f) => (f.activeUntil === undefined || now < f.activeUntil) && (!f.method || f.method === method) && f.re.test(path));
    if (!found) return undefined;
    if (found.forMs !== undefined) found.activeUntil ??= now + found.forMs;
    found.hits++;
    if (found.hits >= found.count) this.#faults = this.#faults.filter((f) => f !== found);
    const { re: _re, ...fault } = found;
    return fault;
  }

  list(): Fault[] {
    return this.#faults.map(({ re: _re, ...f }) => f);
  }

  clear() {
    this.#faults = [];
  }
}

export class RequestLog {
  #entries: RequestEntry[] = [];
  constructor(private readonly max = 500) {}

  /** Records the request when its response finishes; never records headers or bodies (I9). */
  track(req: IncomingMessage, res: ServerResponse, path: string, query: string, fault?: Fault) {
    const started = performance.now();
    res.once("finish", () => {
      this.#entries.push({
        at: new Date().toISOString(),
        method: req.method ?? "GET",
        path,
        query,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        ...(fault ? { fault: fault.id } : {}),
      });
      if (this.#entries.length > this.max) this.#entries.shift();
    });
  }

  list(): RequestEntry[] {
    return [...this.#entries];
  }

  clear() {
    this.#entries = [];
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function retryHeaders(fault: Fault): Record<string, string> {
  if (fault.retryAfterMs === undefined) return {};
  return { "retry-after-ms": String(fault.retryAfterMs), "retry-after": String(Math.ceil(fault.retryAfterMs / 1000)) };
}

/**
 * Serves `/_sim/faults` and `/_sim/requests` (GET lists, POST adds a fault, DELETE clears).
 * Returns false when the path is not one of these routes.
 */
export async function handleFaultRoutes(req: IncomingMessage, res: ServerResponse, path: string, faults: FaultBook, log: RequestLog): Promise<boolean> {
  if (path === "/_sim/faults") {
    if (req.method === "GET") sendJson(res, 200, { faults: faults.list() });
    else if (req.method === "DELETE") {
      faults.clear();
      sendJson(res, 200, { faults: [] });
    } else if (req.method === "POST") {
      try {
        const body = parseBody(req, await readBody(req));
        const specs = (Array.isArray(body) ? body : [body]) as FaultSpec[];
        sendJson(res, 200, { faults: specs.map((s) => faults.add(s)) });
      } catch (error) {
        sendJson(res, 400, { error: (error as Error).message });
      }
    } else sendJson(res, 405, { error: "GET, POST or DELETE" });
    return true;
  }
  if (path === "/_sim/requests") {
    if (req.method === "DELETE") log.clear();
    sendJson(res, 200, { requests: log.list() });
    return true;
  }
  return false;
}
