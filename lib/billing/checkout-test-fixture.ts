// Test plumbing for the *.db.test.ts files of the payment path: a real order and a real Checkout
// Session in the Stripe stand-in, made the way checkout creation makes them (client_reference_id
// and metadata = order id, a recurring price of the order's amount), plus readers for the
// stand-ins' /_sim logs. Imported by tests only.
import fs from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface CheckoutFixture {
  userId: string;
  orderId: string;
  sessionId: string;
  priceId: string;
  amountMinor: number;
}

/** A customer, a plan, an order awaiting payment, and its open Checkout Session. */
export async function createCheckoutFixture(opts: { amountMinor?: number; clientReferenceId?: string } = {}): Promise<CheckoutFixture> {
  const amountMinor = opts.amountMinor ?? 1900;
  const tag = unique();
  const user = await db.user.create({ data: { email: `buyer.${tag}@example.com`, name: "Buyer", passwordHash: "x" } });
  const plan = await db.plan.create({
    data: { slug: `test-${tag}`, name: `Test ${tag}`, labType: "containerlab", vcpus: 2, ramGb: 4, diskGb: 40, monthlyPriceMinor: amountMinor },
  });
  const order = await db.order.create({
    data: { userId: user.id, planId: plan.id, interval: "month", amountMinor, currency: "usd", hostname: `lab-${tag}`, sshPublicKeys: [] },
  });
  const price = await stripe().prices.create({
    unit_amount: amountMinor,
    currency: "usd",
    recurring: { interval: "month" },
    product_data: { name: plan.name },
    metadata: { planId: plan.id }, // as ensurePlanPrice stamps it: confirmCheckout checks what was bought
  });
  const reference = opts.clientReferenceId ?? order.id;
  const session = await stripe().checkout.sessions.create(
    {
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      customer_email: user.email,
      client_reference_id: reference,
      metadata: { orderId: reference },
      subscription_data: { metadata: { orderId: reference } },
      success_url: "http://localhost/orders/x?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost/orders/x?canceled=1",
    },
    { idempotencyKey: `test-checkout-${order.id}` },
  );
  await db.order.update({ where: { id: order.id }, data: { stripeCheckoutSessionId: session.id } });
  return { userId: user.id, orderId: order.id, sessionId: session.id, priceId: price.id, amountMinor };
}

/** A second session for the same order, made the order's current one (as a retried checkout would). */
export async function replaceCheckoutSession(fixture: CheckoutFixture): Promise<string> {
  const newer = await stripe().checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: fixture.priceId, quantity: 1 }],
    client_reference_id: fixture.orderId,
    metadata: { orderId: fixture.orderId },
    customer_email: `again.${unique()}@example.com`,
  });
  await db.order.update({ where: { id: fixture.orderId }, data: { stripeCheckoutSessionId: newer.id } });
  return newer.id;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init?.headers } });
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** What the hosted page's Pay button does; a declining card leaves the session open. */
export function payCheckout(stripeSimUrl: string, sessionId: string, card = "4242424242424242") {
  return json<{ status: string; error?: string }>(`${stripeSimUrl}/_sim/checkout/${sessionId}/pay`, { method: "POST", body: JSON.stringify({ card }) });
}

/** The Stripe event the stand-in emitted for `objectId`, as the webhook would have received it. */
export async function findStripeEvent(stripeSimUrl: string, type: string, objectId: string) {
  const { data } = await json<{ data: Array<{ id: string; type: string; created: number; data: { object: { id: string } } }> }>(
    `${stripeSimUrl}/_sim/events?type=${encodeURIComponent(type)}`,
  );
  const event = data.find((e) => e.data.object.id === objectId);
  if (!event) throw new Error(`no ${type} event for ${objectId}`);
  return event;
}

/** The Inngest trigger the webhook forwards for a Stripe event (DESIGN §3: ids only). */
export function stripeSignal(event: { id: string; type: string; created: number; data: { object: { id: string } } }) {
  return {
    id: event.id,
    name: `stripe/${event.type}`,
    data: { stripeEventId: event.id, type: event.type, objectId: event.data.object.id, created: event.created },
  };
}

export interface InngestEventRecord {
  id: string;
  name: string;
  data: Record<string, unknown>;
  duplicates: number;
}

/** Every event the Inngest stand-in stored (a repeated id is stored once and counted in `duplicates`). */
export function inngestEvents(inngestSimUrl: string) {
  return json<InngestEventRecord[]>(`${inngestSimUrl}/_sim/events`);
}

/** The Proxmox stand-in's request log after `sinceId` (its TLS certificate is pinned, as the app pins it). */
export async function proxmoxRequests(proxmoxSimUrl: string, sinceId = 0): Promise<Array<{ id: number; method: string; path: string }>> {
  const dispatcher = new Agent({ connect: { ca: fs.readFileSync(process.env.PROXMOX_CA_CERT_FILE!, "utf8") } });
  try {
    const response = await undiciFetch(`${proxmoxSimUrl}/_sim/requests?since=${sinceId}`, { dispatcher });
    if (!response.ok) throw new Error(`proxmox request log: ${response.status}`);
    return (await response.json()) as Array<{ id: number; method: string; path: string }>;
  } finally {
    await dispatcher.close();
  }
}
