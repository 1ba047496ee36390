// The one mapping from what a step threw to what Inngest should do about it: retry soon (a lock,
// a busy budget, a rate limit), retry with the function's backoff (5xx, network, timeouts), or
// stop at once (another try cannot fix it: our own bad request, bad stored input, a VMID held by
// someone else). Every function that does Proxmox or Stripe work throws through this.
import { NonRetriableError, RetryAfterError } from "inngest";
import { cloudflareRateLimitWaitMs } from "@/lib/access/cloudflare";
import { CloudInitInputError } from "@/lib/cloud-init/render-user-data";
import { EmailDeliveryError } from "@/lib/email/outbox";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { isLockError } from "@/lib/proxmox/tasks";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";

// Stripe's SDK names its error classes in `type`; these come back the same on every try.
const STRIPE_PERMANENT = new Set([
  "StripeInvalidRequestError",
  "StripeAuthenticationError",
  "StripePermissionError",
  "StripeIdempotencyError",
  "StripeCardError",
]);

export type StepErrorKind = "permanent" | "soon" | "retry";

export function classifyStepError(error: unknown): StepErrorKind {
  if (error instanceof ProvisioningHaltedError || error instanceof CloudInitInputError) return "permanent";
  if (error instanceof EmailDeliveryError) return error.permanent ? "permanent" : "retry";
  if (error instanceof ProxmoxBusyError || isLockError(error)) return "soon";
  // Proxmox answers 4xx for a parameter we got wrong or a privilege the token lacks (a 403 like
  // pve-access-control's "Permission check failed"); 409/429 are contention, not our mistake.
  if (error instanceof ProxmoxError && error.status >= 400 && error.status < 500 && error.status !== 409 && error.status !== 429) return "permanent";
  const stripeType = (error as { type?: unknown } | null)?.type;
  if (typeof stripeType === "string" && stripeType.startsWith("Stripe")) {
    if (stripeType === "StripeRateLimitError") return "soon";
    if (STRIPE_PERMANENT.has(stripeType)) return "permanent";
  }
  return "retry";
}

/** The error to throw from step `name`: its name leads the message, the cause is kept. */
export function toStepError(name: string, error: unknown): Error {
  const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
  // Cloudflare's rate limit says how long every call stays blocked: Inngest waits that long (the
  // client does not sleep it inside the step, lib/access/cloudflare.ts).
  const rateLimited = cloudflareRateLimitWaitMs(error);
  if (rateLimited !== null) return new RetryAfterError(message, Math.max(1_000, Math.ceil(rateLimited)), { cause: error });
  switch (classifyStepError(error)) {
    case "permanent":
      return new NonRetriableError(message, { cause: error });
    case "soon":
      return new RetryAfterError(message, "15s", { cause: error });
    default:
      return Object.assign(new Error(message), { cause: error });
  }
}

/** For `.catch()` inside a step: `work().catch(rethrowAs("step name"))`. */
export const rethrowAs =
  (name: string) =>
  (error: unknown): never => {
    throw toStepError(name, error);
  };
