import { describe, expect, it } from "vitest";
import { classifyProviderError, isFinal } from "./delivery-errors";

// Resend's answers (api-reference/errors, resend-node's error names) and what each means for a row.
describe("classifyProviderError", () => {
  it.each([
    [
      {
        name: "validation_error",
        statusCode: 403,
        message: "The lab.example domain is not verified. Please, add and verify your domain on https://resend.com/domains",
      },
      "configuration",
    ],
    [{ name: "validation_error", statusCode: 403, message: "You can only send testing emails to your own email address (a@b.c)." }, "configuration"],
    [{ name: "validation_error", statusCode: 401, message: "API key is invalid" }, "configuration"],
    [{ name: "invalid_api_key", statusCode: 403, message: "API key is invalid." }, "configuration"],
    [{ name: "restricted_api_key", statusCode: 401, message: "This API key is restricted to only send emails." }, "configuration"],
    [{ name: "invalid_from_address", statusCode: 422, message: "Invalid `from` field." }, "configuration"],
    [{ name: "daily_quota_exceeded", statusCode: 429, message: "You have reached your daily email sending quota." }, "configuration"],
    [{ name: "monthly_quota_exceeded", statusCode: 429, message: "You have reached your monthly email sending quota." }, "configuration"],
    [
      { name: "validation_error", statusCode: 422, message: "Invalid `to` field. The email address needs to follow the `email@example.com` format." },
      "bad_recipient",
    ],
    [{ name: "missing_required_field", statusCode: 422, message: "Missing `subject` field." }, "rejected"],
    [{ name: "invalid_idempotent_request", statusCode: 409, message: "Same idempotency key used with a different request payload." }, "rejected"],
    [{ name: "rate_limit_exceeded", statusCode: 429, message: "Too many requests." }, "rate_limited"],
    [{ name: "concurrent_idempotent_requests", statusCode: 409, message: "…still in progress." }, "transient"],
    [{ name: "internal_server_error", statusCode: 500, message: "An unexpected error occurred." }, "transient"],
    [{ name: "application_error", statusCode: null, message: "fetch failed" }, "transient"],
    [{ name: "something_new", statusCode: 418, message: "?" }, "configuration"],
  ])("%o → %s", (error, expected) => {
    expect(classifyProviderError(error)).toBe(expected);
  });

  it("only a bad recipient or our own malformed request is final: configuration errors keep the row", () => {
    expect(isFinal("bad_recipient")).toBe(true);
    expect(isFinal("rejected")).toBe(true);
    for (const kind of ["configuration", "rate_limited", "transient"] as const) expect(isFinal(kind)).toBe(false);
  });
});
