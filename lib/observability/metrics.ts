// Prometheus metrics (issue 22, Build 4), served token-protected at /metrics by server.ts. Two kinds:
//   - this process's own measurements (webhook acknowledgement latency, deliveries by type and
//     outcome, Inngest run durations and step failures): scrape every replica to see them all;
//   - the system's state read from the database at scrape time (open consoles, Proxmox tasks in
//     flight, enforcement actions, recorded Stripe events): the same on every replica.
// One registry per process on globalThis: server.ts and Next's bundles load separate copies.
import client from "prom-client";
import { db } from "@/lib/db";

function create() {
  const register = new client.Registry();
  client.collectDefaultMetrics({ register, prefix: "labvps_" });
  const webhookAck = new client.Histogram({
    name: "labvps_stripe_webhook_ack_seconds",
    help: "Stripe webhook: time from the request to its acknowledgement, by outcome",
    labelNames: ["outcome"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  });
  const webhookDeliveries = new client.Counter({
    name: "labvps_stripe_webhook_deliveries_total",
    help: "Stripe webhook deliveries by event type and outcome (recorded, duplicate, ignored, invalid_signature, too_large, error)",
    labelNames: ["type", "outcome"] as const,
    registers: [register],
  });
  const runSeconds = new client.Histogram({
    name: "labvps_inngest_run_seconds",
    help: "Inngest runs served here: time from the triggering event to the run's end, by function and outcome",
    labelNames: ["function", "outcome"] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [register],
  });
  const stepFailures = new client.Counter({
    name: "labvps_inngest_step_failures_total",
    help: "Inngest step attempts that failed, by function and step; final=true when no retry is left",
    labelNames: ["function", "step", "final"] as const,
    registers: [register],
  });
  new client.Gauge({
    name: "labvps_open_consoles",
    help: "Browser consoles open now, on every replica (live console leases)",
    registers: [register],
    async collect() {
      this.set(await db.consoleToken.count({ where: { closedAt: null, heldUntil: { gt: new Date() } } }));
    },
  });
  new client.Gauge({
    name: "labvps_proxmox_tasks_in_flight",
    help: "Proxmox requests or tasks in flight now (live work-slot leases, at most PROVISION_CONCURRENCY)",
    registers: [register],
    async collect() {
      this.set(await db.proxmoxLease.count({ where: { expiresAt: { gt: new Date() } } }));
    },
  });
  new client.Gauge({
    name: "labvps_enforcement_actions",
    help: "Billing enforcement actions and refusals recorded in the audit trail, by action",
    labelNames: ["action"] as const,
    registers: [register],
    async collect() {
      const rows = await db.auditEvent.groupBy({ by: ["action"], where: { subjectType: "billing" }, _count: { _all: true } });
      this.reset();
      for (const row of rows) this.set({ action: row.action.replace(/^billing\./, "") }, row._count._all);
    },
  });
  new client.Gauge({
    name: "labvps_stripe_events",
    help: "Stripe events recorded by the webhook, by type and processing status",
    labelNames: ["type", "status"] as const,
    registers: [register],
    async collect() {
      const rows = await db.stripeEvent.groupBy({ by: ["type", "status"], _count: { _all: true } });
      this.reset();
      for (const row of rows) this.set({ type: row.type, status: row.status }, row._count._all);
    },
  });
  return { register, webhookAck, webhookDeliveries, runSeconds, stepFailures };
}

const KEY = Symbol.for("labvps.metrics");

export function metrics(): ReturnType<typeof create> {
  const holder = globalThis as unknown as Record<symbol, ReturnType<typeof create> | undefined>;
  holder[KEY] ??= create();
  return holder[KEY];
}
