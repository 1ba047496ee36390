// Webhook signature failures in bursts (issue 22, Build 3): one bad signature is noise (a stale
// retry, a scanner); many within minutes mean a wrong STRIPE_WEBHOOK_SECRET after a rotation or
// someone forging deliveries. Counted per process over a sliding window (with the proxy spreading
// requests over the replicas, a burst crosses the threshold on each of them); the incident itself
// is shared, so the operator hears of it once.
import { raiseOperatorAlert } from "@/lib/alerts/raise-operator-alert";
import { errorFields, log } from "@/lib/observability/log";

export const BURST_WINDOW_MS = 5 * 60_000;
export const BURST_THRESHOLD = 20;

export function createBurstCounter(opts: { windowMs: number; threshold: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const times: number[] = [];
  let raisedAt = -Infinity;
  return {
    /** Records one failure; true when this one makes a burst that has not been reported within the window. */
    note(): boolean {
      const t = now();
      times.push(t);
      while (times.length && times[0] <= t - opts.windowMs) times.shift();
      if (times.length < opts.threshold || t - raisedAt < opts.windowMs) return false;
      raisedAt = t;
      return true;
    },
  };
}

const KEY = Symbol.for("labvps.signature-bursts");

/** Called for each delivery refused for its signature; raises the alert when a burst starts. */
export function noteInvalidSignature(): void {
  const holder = globalThis as unknown as Record<symbol, ReturnType<typeof createBurstCounter> | undefined>;
  holder[KEY] ??= createBurstCounter({ windowMs: BURST_WINDOW_MS, threshold: BURST_THRESHOLD });
  if (!holder[KEY].note()) return;
  void raiseOperatorAlert({
    kind: "webhook_signature_burst",
    subject: "stripe-webhook",
    title: `Stripe webhook: ${BURST_THRESHOLD}+ deliveries with an invalid signature within ${BURST_WINDOW_MS / 60_000} minutes`,
    detail:
      "Deliveries to /api/webhooks/stripe are being refused (400) for their signature. After rotating the endpoint's signing secret in Stripe, set the new one as STRIPE_WEBHOOK_SECRET on every replica; otherwise someone is sending forged events (they change nothing: only signed events are recorded).",
    link: "/admin",
    reopenAfterMinutes: 30,
  }).catch((error: unknown) => log("alerts").error(errorFields(error), "could not raise the signature burst alert"));
}
