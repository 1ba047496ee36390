// Errors in the shape Stripe answers them (`{ error: { type, code, param, message, ... } }`), so
// stripe-node raises the same error classes (StripeInvalidRequestError, StripeCardError, ...).

export interface StripeErrorBody {
  type: "invalid_request_error" | "card_error" | "idempotency_error" | "api_error";
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  payment_intent?: { id: string; status: string };
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  toJSON() {
    const doc = this.body.code ? { doc_url: `https://stripe.com/docs/error-codes/${this.body.code.replace(/_/g, "-")}` } : {};
    return { error: { ...doc, ...this.body } };
  }
}

export function invalidRequest(message: string, extra: { param?: string; code?: string } = {}) {
  return new StripeApiError(400, { type: "invalid_request_error", message, ...extra });
}

export function missingParam(param: string) {
  return invalidRequest(`Missing required param: ${param}.`, { param, code: "parameter_missing" });
}

export function invalidParam(param: string, message: string) {
  return invalidRequest(message, { param, code: "parameter_invalid" });
}

export function noSuch(kind: string, id: string, param = "id") {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
  });
}

export function unrecognizedUrl(method: string, path: string) {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

export interface Decline {
  code: string;
  decline_code?: string;
  message: string;
}

export function cardError(decline: Decline, paymentIntent?: { id: string; status: string }) {
  return new StripeApiError(402, {
    type: "card_error",
    ...decline,
    ...(paymentIntent ? { payment_intent: paymentIntent } : {}),
  });
}
