// Event objects as Stripe renders them for the pinned API version. `data.object` is a snapshot
// taken when the event happens (it never changes afterwards, like Stripe's), `request` names the
// API request that caused it, or is null for automatic work (renewals, retries, expiries).
import Stripe from "stripe";
import { clone, newId } from "./store";
import type { SimContext } from "./types";

export const API_VERSION: string = Stripe.API_VERSION;

interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

const AUTOMATIC: RequestInfo = { id: null, idempotency_key: null };

export class EventLog {
  private request: RequestInfo = AUTOMATIC;

  constructor(private readonly ctx: SimContext) {}

  /** Events emitted inside `fn` carry this request's id and idempotency key. */
  duringRequest<T>(request: RequestInfo, fn: () => T): T {
    const previous = this.request;
    this.request = request;
    try {
      return fn();
    } finally {
      this.request = previous;
    }
  }

  emit(type: string, object: object, previousAttributes?: Record<string, unknown>): Stripe.Event {
    const { store, clock, options, webhooks } = this.ctx;
    const event = {
      id: newId("evt_1"),
      object: "event",
      api_version: API_VERSION,
      created: clock.now(),
      data: {
        object: clone(object),
        ...(previousAttributes ? { previous_attributes: clone(previousAttributes) } : {}),
      },
      livemode: false,
      pending_webhooks: options.webhookUrl ? 1 : 0,
      request: { ...this.request },
      type,
    } as unknown as Stripe.Event;
    store.events.set(event.id, event);
    webhooks.enqueue(event);
    options.onEvent?.(event);
    return event;
  }

  /** The values of top-level fields that differ between two snapshots (Stripe's previous_attributes). */
  static changes(before: object, after: object): Record<string, unknown> {
    const previous: Record<string, unknown> = {};
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    for (const key of Object.keys(b)) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) previous[key] = a[key] ?? null;
    }
    return previous;
  }

  /** Emits `<type>` with previous_attributes when `mutate` changed anything. */
  update<T extends object>(type: string, object: T, mutate: () => void): Record<string, unknown> {
    const before = clone(object);
    mutate();
    const previous = EventLog.changes(before, object);
    if (Object.keys(previous).length) this.emit(type, object, previous);
    return previous;
  }
}
