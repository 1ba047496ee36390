import { describe, expect, it } from "vitest";
import { metricsAuthorized } from "@/lib/observability/metrics-endpoint";

describe("/metrics authorization", () => {
  const token = "a-metrics-token-of-24-chars-or-more";
  it("needs the configured bearer token; with no token configured, nobody gets in", () => {
    expect(metricsAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(metricsAuthorized(`Bearer ${token}x`, token)).toBe(false);
    expect(metricsAuthorized(token, token)).toBe(false);
    expect(metricsAuthorized(undefined, token)).toBe(false);
    expect(metricsAuthorized(`Bearer ${token}`, undefined)).toBe(false);
  });
});
