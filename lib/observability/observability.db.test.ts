import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { metrics } from "@/lib/observability/metrics";
import { checkReadiness, markInngestSynced } from "@/lib/observability/readiness";

describe("/api/ready", () => {
  it("is not ready until this build's functions are synced; the database and every shipped migration are checked", async () => {
    await db.serviceMark.deleteMany({});
    const before = await checkReadiness();
    expect(before.ready).toBe(false);
    expect(before.checks).toEqual([
      { name: "database", ok: true },
      { name: "migrations", ok: true, detail: undefined },
      { name: "inngest", ok: false, detail: "this build's functions are not synced yet" },
    ]);
    await markInngestSynced();
    expect(await checkReadiness()).toMatchObject({ ready: true });
  });
});

describe("/metrics", () => {
  it("renders the process's own measurements and the state read from the database", async () => {
    metrics().webhookAck.observe({ outcome: "recorded" }, 0.004);
    metrics().webhookDeliveries.inc({ type: "invoice.paid", outcome: "recorded" });
    await db.stripeEvent.create({ data: { id: `evt_metrics_${Date.now()}`, type: "invoice.paid" } });
    const text = await metrics().register.metrics();
    for (const name of [
      "labvps_stripe_webhook_ack_seconds_bucket",
      'labvps_stripe_webhook_deliveries_total{type="invoice.paid",outcome="recorded"}',
      "labvps_inngest_run_seconds",
      "labvps_inngest_step_failures_total",
      "labvps_open_consoles",
      "labvps_proxmox_tasks_in_flight",
      "labvps_enforcement_actions",
      'labvps_stripe_events{type="invoice.paid",status="received"}',
      "labvps_process_resident_memory_bytes",
      "labvps_nodejs_eventloop_lag_seconds",
    ])
      expect(text).toContain(name);
  });
});
