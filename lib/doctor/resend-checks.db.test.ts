import { afterEach, describe, expect, inject, it } from "vitest";
import { env } from "@/lib/env";
import { resendChecks } from "./resend-checks";

const mail = () => inject("simUrls").mail;
const setKey = (permission: "full_access" | "sending_access") =>
  fetch(`${mail()}/_sim/api-keys`, { method: "POST", body: JSON.stringify({ token: env().RESEND_API_KEY, permission }) });
const setDomain = (status: string) => fetch(`${mail()}/_sim/domains/lab.localhost`, { method: "PUT", body: JSON.stringify({ status }) });

afterEach(async () => {
  await setKey("full_access");
  await setDomain("verified");
});

describe("npm run doctor: Resend", () => {
  it("with a full-access key: MAIL_FROM's domain verified, and no mail incident", async () => {
    expect(await resendChecks()).toEqual([
      { service: "resend", name: "domain", ok: true, detail: "lab.localhost verified" },
      { service: "resend", name: "deliveries", ok: true, detail: expect.stringMatching(/^no mail incident/) },
    ]);
  });

  it("fails, naming it, when the sending domain is not verified", async () => {
    await setDomain("pending");
    expect((await resendChecks())[0]).toEqual({ service: "resend", name: "domain", ok: false, detail: "lab.localhost is pending, not verified" });
  });

  it("works with a sending-only key: says it cannot read the domain, reads the quota, passes", async () => {
    await setKey("sending_access");
    const results = await resendChecks();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => [r.name, r.detail])).toEqual([
      ["API key", "a sending-only key: it can send (and read usage), not read domains"],
      ["domain", expect.stringMatching(/^not checked: a sending-only key cannot read whether lab\.localhost is verified/)],
      ["quota", expect.stringMatching(/^\d+ email\(s\) today, no daily quota$/)],
      ["deliveries", expect.stringMatching(/^no mail incident/)],
    ]);
  });
});
