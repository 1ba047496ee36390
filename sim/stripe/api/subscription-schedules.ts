// /v1/subscription_schedules: create (from_subscription only), retrieve, update, list, release.
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { createdMatches, paginate } from "../list";
import { customerId } from "../objects/subscription";
import { createSchedule, releaseSchedule, updateSchedule } from "../schedules";
import { route } from "./router";

export const subscriptionScheduleRoutes = [
  route(
    "POST",
    "/v1/subscription_schedules",
    // Everything the pinned API takes is listed, so that with `from_subscription` the handler can
    // refuse the rest by name, as Stripe does, rather than as unknown parameters.
    accepts<Stripe.SubscriptionScheduleCreateParams>({
      from_subscription: true,
      billing_mode: true,
      customer: true,
      customer_account: true,
      default_settings: true,
      end_behavior: true,
      metadata: true,
      pause_schedules: true,
      phases: true,
      start_date: true,
    }),
    ({ ctx, params }) => createSchedule(ctx, params),
  ),
  route("GET", "/v1/subscription_schedules/:id", accepts<Stripe.SubscriptionScheduleRetrieveParams>({}), ({ ctx }, id) => ctx.store.schedule(id, "schedule")),
  route(
    "POST",
    "/v1/subscription_schedules/:id",
    accepts<Stripe.SubscriptionScheduleUpdateParams>({
      phases: [
        {
          items: [{ price: true, quantity: true, metadata: true }],
          start_date: true,
          end_date: true,
          duration: { interval: true, interval_count: true },
          metadata: true,
          proration_behavior: true,
        },
      ],
      end_behavior: true,
      proration_behavior: true,
      metadata: true,
    }),
    ({ ctx, params }, id) => updateSchedule(ctx, ctx.store.schedule(id, "schedule"), params),
  ),
  route(
    "POST",
    "/v1/subscription_schedules/:id/release",
    accepts<Stripe.SubscriptionScheduleReleaseParams>({ preserve_cancel_date: true }),
    ({ ctx, params: p }, id) => releaseSchedule(ctx, ctx.store.schedule(id, "schedule"), { preserveCancelDate: p.bool("preserve_cancel_date") ?? false }),
  ),
  route(
    "GET",
    "/v1/subscription_schedules",
    accepts<Stripe.SubscriptionScheduleListParams>({ ...PAGE, customer: true, created: true }),
    ({ ctx, params: p }) => {
      const customer = p.str("customer");
      const schedules = [...ctx.store.schedules.values()].filter((s) => (customer === undefined || customerId(s) === customer) && createdMatches(p, s.created));
      return paginate(schedules, p, "/v1/subscription_schedules");
    },
  ),
];
