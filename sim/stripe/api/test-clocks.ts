// /v1/test_helpers/test_clocks: create, retrieve, list, delete, advance (sim/stripe/test-clocks.ts).
import type Stripe from "stripe";
import { accepts, PAGE } from "../accepted-params";
import { paginate } from "../list";
import { advanceTestClock, createTestClock, deleteTestClock } from "../test-clocks";
import { route } from "./router";

export const testClockRoutes = [
  route("POST", "/v1/test_helpers/test_clocks", accepts<Stripe.TestHelpers.TestClockCreateParams>({ frozen_time: true, name: true }), ({ ctx, params }) =>
    createTestClock(ctx, params),
  ),
  route("GET", "/v1/test_helpers/test_clocks/:id", accepts<Stripe.TestHelpers.TestClockRetrieveParams>({}), ({ ctx }, id) =>
    ctx.store.testClock(id, "test_clock"),
  ),
  route("GET", "/v1/test_helpers/test_clocks", accepts<Stripe.TestHelpers.TestClockListParams>({ ...PAGE }), ({ ctx, params }) =>
    paginate([...ctx.store.testClocks.values()], params, "/v1/test_helpers/test_clocks"),
  ),
  route("DELETE", "/v1/test_helpers/test_clocks/:id", accepts<Stripe.TestHelpers.TestClockDeleteParams>({}), ({ ctx }, id) =>
    deleteTestClock(ctx, ctx.store.testClock(id, "test_clock")),
  ),
  route("POST", "/v1/test_helpers/test_clocks/:id/advance", accepts<Stripe.TestHelpers.TestClockAdvanceParams>({ frozen_time: true }), ({ ctx, params }, id) =>
    advanceTestClock(ctx, ctx.store.testClock(id, "test_clock"), params.int("frozen_time")),
  ),
];
