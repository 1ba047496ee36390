// Webhook delivery the way Stripe does it: one POST per event, JSON body, `Stripe-Signature:
// t=<unix>,v1=<hmac>` over "t.body" keyed with the whole whsec secret; anything but a 2xx (3xx
// included) or a connection error is retried with backoff. First attempts go out in creation
// order; a failing event does not hold back the others (it is retried on its own schedule).
// Test controls: pause/resume, duplicate, replay, delay, reorder, and rules for future events.
import { createHmac } from "node:crypto";
import type Stripe from "stripe";
import { newId } from "./store";

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
  responseBody?: string;
  durationMs: number;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  reason: "event" | "duplicate" | "replay";
  status: "pending" | "delivering" | "succeeded" | "failed";
  attempts: DeliveryAttempt[];
  /** Real time (ms) of the next attempt while pending. */
  nextAttemptAt: number;
  seq: number;
}

/** Applied to future events whose type matches (`invoice.paid`, or a prefix with `*`: `invoice.*`). */
export interface DeliveryRule {
  type: string;
  delayMs?: number;
  duplicates?: number;
  /** How many events the rule applies to; unlimited when absent. */
  times?: number;
}

export interface QueueOptions {
  url: () => string;
  secret: string;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  event: (id: string) => Stripe.Event | undefined;
  log: (line: string) => void;
}

export function signPayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

export class DeliveryQueue {
  readonly deliveries: Delivery[] = [];
  rules: DeliveryRule[] = [];
  paused = false;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private closed = false;
  private abort = new AbortController();

  constructor(private readonly opts: QueueOptions) {}

  enqueue(event: Stripe.Event, reason: Delivery["reason"] = "event", delayMs = 0) {
    if (!this.opts.url() || this.closed) return;
    let copies = 1;
    if (reason === "event") {
      for (const rule of this.matchingRules(event.type)) {
        delayMs = Math.max(delayMs, rule.delayMs ?? 0);
        copies += rule.duplicates ?? 0;
      }
    }
    for (let i = 0; i < copies; i++) {
      this.deliveries.push({
        id: newId("whdel_", 16),
        eventId: event.id,
        eventType: event.type,
        reason: i === 0 ? reason : "duplicate",
        status: "pending",
        attempts: [],
        nextAttemptAt: Date.now() + delayMs,
        seq: ++this.seq,
      });
    }
    this.schedule();
  }

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
    this.schedule();
  }

  duplicate(eventId: string, count = 1) {
    const event = this.mustEvent(eventId);
    for (let i = 0; i < count; i++) this.enqueue(event, "duplicate");
  }

  replay(eventId: string) {
    this.enqueue(this.mustEvent(eventId), "replay");
  }

  /** Holds back the queued deliveries of one event. */
  delay(eventId: string, ms: number): number {
    const pending = this.pending().filter((d) => d.eventId === eventId);
    for (const d of pending) d.nextAttemptAt = Math.max(d.nextAttemptAt, Date.now() + ms);
    this.schedule();
    return pending.length;
  }

  /** Reorders what is queued: reversed, or the given event ids first (in that order), then the rest. */
  reorder(order: "reverse" | string[]) {
    const queued = this.pending().sort((a, b) => a.seq - b.seq);
    const slots = queued.map((d) => d.seq);
    let wanted: Delivery[];
    if (order === "reverse") wanted = [...queued].reverse();
    else {
      const named = order.flatMap((eventId) => queued.filter((d) => d.eventId === eventId));
      wanted = [...named, ...queued.filter((d) => !named.includes(d))];
    }
    // Deliveries keep the queue's existing sequence numbers, handed out in the new order.
    wanted.forEach((d, i) => (d.seq = slots[i]));
    this.schedule();
  }

  pending(): Delivery[] {
    return this.deliveries.filter((d) => d.status === "pending" || d.status === "delivering");
  }

  pendingFor(eventId: string): number {
    return this.pending().filter((d) => d.eventId === eventId).length;
  }

  /** Resolves once nothing is queued or in flight. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending().length) {
      if (Date.now() > deadline) throw new Error(`webhook deliveries still pending after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close() {
    this.closed = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  private matchingRules(type: string): DeliveryRule[] {
    const matches = this.rules.filter((r) => r.type === type || (r.type.endsWith("*") && type.startsWith(r.type.slice(0, -1))));
    for (const rule of matches) if (rule.times !== undefined) rule.times -= 1;
    this.rules = this.rules.filter((r) => r.times === undefined || r.times > 0);
    return matches;
  }

  private mustEvent(eventId: string): Stripe.Event {
    const event = this.opts.event(eventId);
    if (!event) throw new Error(`no such event: ${eventId}`);
    return event;
  }

  private schedule() {
    if (this.closed || this.busy || this.paused) return;
    if (this.timer) clearTimeout(this.timer);
    const waiting = this.deliveries.filter((d) => d.status === "pending");
    if (!waiting.length) return;
    const next = Math.min(...waiting.map((d) => d.nextAttemptAt));
    this.timer = setTimeout(() => void this.pump(), Math.max(0, next - Date.now()));
  }

  private async pump() {
    this.timer = null;
    if (this.busy || this.paused || this.closed) return;
    const now = Date.now();
    const due = this.deliveries.filter((d) => d.status === "pending" && d.nextAttemptAt <= now).sort((a, b) => a.seq - b.seq)[0];
    if (due) {
      this.busy = true;
      try {
        await this.attempt(due);
      } finally {
        this.busy = false;
      }
    }
    this.schedule();
  }

  private async attempt(delivery: Delivery) {
    const event = this.mustEvent(delivery.eventId);
    const payload = JSON.stringify({ ...event, pending_webhooks: 1 }, null, 2);
    const started = Date.now();
    const attempt: DeliveryAttempt = { at: new Date(started).toISOString(), status: null, durationMs: 0 };
    delivery.status = "delivering";
    // One controller per delivery, unhooked when it ends, so nothing per delivery stays attached to
    // the queue's long-lived closing signal (Node 20's AbortSignal.any keeps every composite in the
    // source's dependants until collected; fetch keeps a listener on its signal: see callSdk).
    const local = new AbortController();
    const onClose = () => local.abort(this.abort.signal.reason);
    this.abort.signal.addEventListener("abort", onClose, { once: true });
    const timer = setTimeout(() => local.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), this.opts.timeoutMs);
    try {
      const response = await fetch(this.opts.url(), {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "cache-control": "no-cache",
          // Real time, not the sim clock: the receiver checks the signature age against its own clock.
          "stripe-signature": signPayload(payload, this.opts.secret),
        },
        body: payload,
        redirect: "manual",
        signal: local.signal,
      });
      attempt.status = response.status;
      attempt.responseBody = (await response.text()).slice(0, 500);
    } catch (error) {
      attempt.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener("abort", onClose);
    }
    attempt.durationMs = Date.now() - started;
    delivery.attempts.push(attempt);
    if (this.closed) return;
    const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    if (ok) delivery.status = "succeeded";
    else if (delivery.attempts.length >= this.opts.maxAttempts) delivery.status = "failed";
    else {
      delivery.status = "pending";
      delivery.nextAttemptAt = Date.now() + this.opts.retryBaseMs * 2 ** (delivery.attempts.length - 1);
    }
    this.opts.log(`webhook ${event.type} ${event.id} → ${attempt.status ?? attempt.error} (${delivery.status})`);
  }
}
