// GET /metrics for Prometheus, answered by server.ts: only with `Authorization: Bearer
// <METRICS_TOKEN>` (compared in constant time), and not at all (404) while no token is set.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { metrics } from "@/lib/observability/metrics";
import { errorFields, log } from "@/lib/observability/log";

export const METRICS_PATH = "/metrics";

const digest = (value: string) => createHash("sha256").update(value).digest();

export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return false;
  const presented = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

export async function serveMetrics(req: IncomingMessage, res: ServerResponse, token: string | undefined) {
  if (!token) return void res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  if (!metricsAuthorized(req.headers.authorization, token)) {
    return void res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" }).end("unauthorized\n");
  }
  try {
    const { register } = metrics();
    const body = await register.metrics();
    res.writeHead(200, { "content-type": register.contentType, "cache-control": "no-store" }).end(body);
  } catch (error) {
    log("metrics").error(errorFields(error), "metrics collection failed");
    res.writeHead(503, { "content-type": "text/plain" }).end("metrics unavailable\n");
  }
}
