// Next's start-up hook: runs once per server process in every mode Next serves (`next dev`,
// `next start`, and the custom server.ts, which also starts the forwarder itself; the second
// start is a no-op). The webhook only records events; this starts what sends them on (DESIGN §3).
export async function register() {
  // Not in the Edge runtime (no database there), and not while `next build` collects pages.
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { startStripeForwarder } = await import("@/lib/billing/stripe-forwarder");
  startStripeForwarder();
}
