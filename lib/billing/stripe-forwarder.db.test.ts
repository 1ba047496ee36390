// Restart safety of the webhook outbox (issue 8.11): a process that acknowledged an event and died
// before forwarding it loses nothing. The process is a real child (the webhook's HTTP path and the
// forwarder, as server.ts runs them) killed with SIGKILL: no shutdown hook, no flush, no goodbye.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { inngestEvents } from "@/test/fixtures/checkout";
import { unique } from "@/test/fixtures/unique";
import { stripeEventBody } from "@/test/fixtures/stripe-event";

const simUrls = inject("simUrls");
const root = path.resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];

function startWebhookProcess(env: Record<string, string>): Promise<{ child: ChildProcess; origin: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-process.mjs", "test/fixtures/stripe-webhook-process.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const port = /listening (\d+)/.exec(out)?.[1];
      if (port) resolve({ child, origin: `http://127.0.0.1:${port}` });
    });
    child.once("exit", (code) => reject(new Error(`webhook process exited with ${code} before listening`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

// An "Inngest" that accepts the connection and never answers: the forward is in flight when the
// process dies, the worst moment (claimed, not sent, not marked).
let blackHole: http.Server;
let blackHoleUrl = "";
beforeAll(async () => {
  blackHole = http.createServer(() => undefined);
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  blackHoleUrl = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) await killHard(child);
  blackHole.closeAllConnections();
  await new Promise((resolve) => blackHole.close(resolve));
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("Stripe webhook process killed between acknowledgement and forward", () => {
  it("I3: the event acknowledged by the killed process is forwarded after the restart, exactly once", async () => {
    const id = `evt_crash_${unique()}`;
    const payload = JSON.stringify(
      stripeEventBody({ id, type: "checkout.session.completed", object: { id: `cs_test_crash_${id}`, object: "checkout.session" } }),
    );
    const signature = stripe().webhooks.generateTestHeaderString({ payload, secret: process.env.STRIPE_WEBHOOK_SECRET! });

    const first = await startWebhookProcess({ INNGEST_DEV: blackHoleUrl, TEST_FORWARD_LEASE_SECONDS: "1" });
    const answer = await fetch(`${first.origin}/api/webhooks/stripe`, { method: "POST", body: payload, headers: { "stripe-signature": signature } });
    expect(answer.status).toBe(200); // Stripe will not redeliver an acknowledged event
    // The forwarder has claimed it and its send hangs: kill the process right there.
    await until(
      () => db.stripeEvent.findUnique({ where: { id } }),
      (row) => row?.forwardAfter != null,
      5000,
    );
    await killHard(first.child);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "received", forwardedAt: null });
    expect((await inngestEvents(simUrls.inngest)).filter((e) => e.id === id)).toEqual([]);

    // Restart: nothing but the row remembers the event; the expired claim is taken over.
    const second = await startWebhookProcess({ INNGEST_DEV: process.env.INNGEST_DEV!, TEST_FORWARD_LEASE_SECONDS: "1" });
    const row = await until(
      () => db.stripeEvent.findUniqueOrThrow({ where: { id } }),
      (r) => r.forwardedAt !== null,
      15_000,
    );
    expect(row.forwardedAt).toBeInstanceOf(Date);
    // A later event forwarded by the same process proves a later forwarder pass ran: none may resend.
    const laterId = `evt_after_${unique()}`;
    const later = JSON.stringify(stripeEventBody({ id: laterId, type: "invoice.paid", object: { id: `in_after_${laterId}`, object: "invoice" } }));
    const laterSignature = stripe().webhooks.generateTestHeaderString({ payload: later, secret: process.env.STRIPE_WEBHOOK_SECRET! });
    expect((await fetch(`${second.origin}/api/webhooks/stripe`, { method: "POST", body: later, headers: { "stripe-signature": laterSignature } })).status).toBe(
      200,
    );
    await until(
      () => db.stripeEvent.findUniqueOrThrow({ where: { id: laterId } }),
      (r) => r.forwardedAt !== null,
      15_000,
    );
    const copies = (await inngestEvents(simUrls.inngest)).filter((e) => e.id === id);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ name: "stripe/checkout.session.completed", duplicates: 0 });
    await killHard(second.child);
  }, 60_000);
});
