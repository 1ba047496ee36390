// /v1/checkout/sessions, /v1/subscriptions
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { cancelSubscription } from "../billing";
import { createSession, expireSession } from "../checkout";
import { createdMatches, paginate } from "../list";
import { sessionLineItems } from "../objects/checkout-session";
import { customerId } from "../objects/subscription";
import { updateSubscription } from "../subscription-update";
import { route } from "./router";

const STATUSES = ["active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"] as const;

export const checkoutSubscriptionRoutes = [
  route(
    "POST",
    "/v1/checkout/sessions",
    accepts<Stripe.Checkout.SessionCreateParams>({
      mode: true,
      line_items: [{ price: true, quantity: true }],
      customer: true,
      customer_email: true,
      client_reference_id: true,
      metadata: true,
      subscription_data: { metadata: true },
      success_url: true,
      cancel_url: true,
      expires_at: true,
      allowed_payment_method_types: true,
      automatic_tax: { enabled: true },
      billing_address_collection: true,
      tax_id_collection: { enabled: true },
      customer_update: { address: true, name: true, shipping: true },
    }),
    ({ ctx, params }) => createSession(ctx, params),
  ),
  route("GET", "/v1/checkout/sessions/:id", accepts<Stripe.Checkout.SessionRetrieveParams>({}), ({ ctx }, id) => ctx.store.session(id, "session")),
  route("POST", "/v1/checkout/sessions/:id", accepts<Stripe.Checkout.SessionUpdateParams>({ metadata: true }), ({ ctx, params: p }, id) => {
    const session = ctx.store.session(id, "session");
    if (p.has("metadata")) session.metadata = p.mergeMetadata(session.metadata);
    return session;
  }),
  route("POST", "/v1/checkout/sessions/:id/expire", accepts<Stripe.Checkout.SessionExpireParams>({}), ({ ctx }, id) => {
    const session = ctx.store.session(id, "session");
    expireSession(ctx, session);
    return session;
  }),
  route("GET", "/v1/checkout/sessions/:id/line_items", accepts<Stripe.Checkout.SessionListLineItemsParams>(PAGE), ({ ctx, params: p }, id) => {
    ctx.store.session(id, "session");
    const items = sessionLineItems(ctx, id);
    // paginate() hands out newest first; line items keep the order they were given in.
    return paginate([...items.data].reverse(), p, items.url);
  }),
  route(
    "GET",
    "/v1/checkout/sessions",
    accepts<Stripe.Checkout.SessionListParams>({ ...PAGE, customer: true, subscription: true, status: true, created: true }),
    ({ ctx, params: p }) => {
      const customer = p.str("customer");
      const subscription = p.str("subscription");
      const status = p.str("status");
      const sessions = [...ctx.store.sessions.values()].filter(
        (s) =>
          (customer === undefined || s.customer === customer) &&
          (subscription === undefined || s.subscription === subscription) &&
          (status === undefined || s.status === status) &&
          createdMatches(p, s.created),
      );
      return paginate(sessions, p, "/v1/checkout/sessions");
    },
  ),

  route("GET", "/v1/subscriptions/:id", accepts<Stripe.SubscriptionRetrieveParams>({}), ({ ctx }, id) => ctx.store.subscription(id, "id")),
  route(
    "POST",
    "/v1/subscriptions/:id",
    accepts<Stripe.SubscriptionUpdateParams>({
      items: [{ id: true, price: true, quantity: true, deleted: true }],
      proration_behavior: true,
      proration_date: true,
      payment_behavior: true,
      metadata: true,
      description: true,
      default_payment_method: true,
      cancel_at_period_end: true,
      cancel_at: true,
      // Emptyable ("" clears it), so typed as a leaf: pause-collection.ts checks its keys.
      pause_collection: true,
      automatic_tax: { enabled: true },
    }),
    ({ ctx, params }, id) => updateSubscription(ctx, ctx.store.subscription(id, "id"), params),
  ),
  route("DELETE", "/v1/subscriptions/:id", accepts<Stripe.SubscriptionCancelParams>({}), ({ ctx }, id) => {
    const sub = ctx.store.subscription(id, "id");
    cancelSubscription(ctx, sub, "cancellation_requested");
    return sub;
  }),
  route(
    "GET",
    "/v1/subscriptions",
    accepts<Stripe.SubscriptionListParams>({ ...PAGE, customer: true, price: true, status: true, created: true }),
    ({ ctx, params: p }) => {
      const customer = p.str("customer");
      const price = p.str("price");
      // Stripe leaves canceled subscriptions out unless asked for them (`status=canceled|all|ended`).
      const status = p.oneOf("status", STATUSES);
      const matchesStatus = (s: string) =>
        status === "all"
          ? true
          : status === "ended"
            ? s === "canceled" || s === "incomplete_expired"
            : status === undefined
              ? s !== "canceled" && s !== "incomplete_expired"
              : s === status;
      const subs = [...ctx.store.subscriptions.values()].filter(
        (s) =>
          (customer === undefined || customerId(s) === customer) &&
          (price === undefined || s.items.data.some((item) => item.price.id === price)) &&
          matchesStatus(s.status) &&
          createdMatches(p, s.created),
      );
      return paginate(subs, p, "/v1/subscriptions");
    },
  ),
];
