// What a refused send means for the row, from Resend's error (resend-node's RESEND_ERROR_CODE_KEY
// names; statuses from Resend's api-reference/errors):
// - `configuration`: Resend refuses *us*, whatever the email — an unverified or mismatched sending
//   domain (403 validation_error), a bad, revoked or sending-only key, a malformed MAIL_FROM
//   (invalid_from_address), a used-up daily or monthly quota, a wrong base URL. The operator must
//   act; the row waits and is sent once that is fixed.
// - `bad_recipient`: this email's address is malformed (422 validation_error on `to`): the only
//   failure that is final for the row.
// - `rejected`: our own request is malformed (a missing field, a reused idempotency key with
//   another payload): final too, and a bug the operator hears about.
// - `rate_limited` / `transient`: another try soon (429 rate_limit_exceeded, 409 concurrent
//   idempotent requests, 5xx, network).
export type DeliveryFailure = "configuration" | "bad_recipient" | "rejected" | "rate_limited" | "transient";

export type ProviderError = { name: string; message: string; statusCode: number | null };

const CONFIGURATION = new Set([
  "missing_api_key",
  "invalid_api_key",
  "restricted_api_key",
  "invalid_access",
  "invalid_from_address",
  "invalid_region",
  "daily_quota_exceeded",
  "monthly_quota_exceeded",
  "security_error",
  "not_found",
  "method_not_allowed",
]);
const REJECTED = new Set(["missing_required_field", "invalid_parameter", "invalid_attachment", "invalid_idempotency_key", "invalid_idempotent_request"]);
const TRANSIENT = new Set(["concurrent_idempotent_requests", "application_error", "internal_server_error"]);

export function classifyProviderError(error: ProviderError): DeliveryFailure {
  const status = error.statusCode;
  if (error.name === "rate_limit_exceeded") return "rate_limited";
  if (CONFIGURATION.has(error.name)) return "configuration";
  if (REJECTED.has(error.name)) return "rejected";
  if (TRANSIENT.has(error.name) || status === null || status >= 500) return "transient";
  if (error.name === "validation_error") {
    // 401/403 validation_error: the key or the sending domain (api-reference/errors).
    if (status === 401 || status === 403) return "configuration";
    return /`(to|cc|bcc)`/.test(error.message) ? "bad_recipient" : "rejected";
  }
  if (status === 429) return "rate_limited";
  // Unknown to us: keep the row and tell the operator rather than drop an email on a guess.
  return "configuration";
}

export const isFinal = (failure: DeliveryFailure) => failure === "bad_recipient" || failure === "rejected";
