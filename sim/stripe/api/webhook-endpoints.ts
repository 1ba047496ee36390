// `GET /v1/webhook_endpoints`: the stand-in's one delivery target (`webhookUrl`) as the endpoint
// Stripe would list, enabled for every event type (it delivers all of them). None when delivery
// is off. Read by the operator's preflight (`npm run doctor`).
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { list } from "../list";
import { route } from "./router";

export const webhookEndpointRoutes = [
  route("GET", "/v1/webhook_endpoints", accepts<Stripe.WebhookEndpointListParams>({ ...PAGE }), ({ ctx }) => {
    const url = ctx.options.webhookUrl;
    const endpoints = url
      ? [
          {
            id: "we_sim_default",
            object: "webhook_endpoint",
            url,
            enabled_events: ["*"],
            status: "enabled",
            livemode: false,
            api_version: null,
            application: null,
            created: 1767225600,
            description: "stand-in delivery target",
            metadata: {},
          },
        ]
      : [];
    return list(endpoints, "/v1/webhook_endpoints");
  }),
];
