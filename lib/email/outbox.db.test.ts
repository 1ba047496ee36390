import { afterEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { resend } from "@/lib/email/resend";
import { unique } from "@/test/fixtures/unique";
import { deliverEmail, EmailDeliveryError, enqueueEmail, sendEmailOnce } from "./outbox";

const mailUrl = () => inject("simUrls").mail;
const messagesTo = async (to: string) =>
  ((await (await fetch(`${mailUrl()}/_sim/messages?to=${encodeURIComponent(to)}`)).json()) as { messages: unknown[] }).messages;
const fault = (spec: object) =>
  fetch(`${mailUrl()}/_sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
const email = () => {
  const tag = unique();
  return { key: `test:${tag}`, to: `outbox.${tag}@example.test`, subject: `Outbox ${tag}`, text: "hello", html: "<p>hello</p>" };
};

afterEach(() => fetch(`${mailUrl()}/_sim/faults`, { method: "DELETE" }));

describe("email outbox", () => {
  it("I3: sending the same key twice stores one row and sends one email", async () => {
    const e = email();
    const first = await sendEmailOnce(e);
    const second = await sendEmailOnce({ ...e, subject: "a different subject: the first row wins" });
    expect(second).toEqual({ providerId: first.providerId, alreadySent: true });
    expect(await messagesTo(e.to)).toHaveLength(1);
    expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: e.key } })).toMatchObject({
      status: "sent",
      attempts: 1,
      subject: e.subject,
      providerId: first.providerId,
    });
  });

  it("I3: a crash between Resend's answer and our update still sends once (Resend replays the key)", async () => {
    const e = email();
    await enqueueEmail(e);
    // The send that "crashed": Resend accepted it, our row never heard.
    const { data } = await resend().emails.send({ from: env().MAIL_FROM, to: e.to, subject: e.subject, html: e.html, text: e.text }, { idempotencyKey: e.key });
    const delivered = await deliverEmail(e.key);
    expect(delivered).toEqual({ providerId: data!.id, alreadySent: false });
    expect(await messagesTo(e.to)).toHaveLength(1);
  });

  it("I8: a provider error is recorded and retriable; the next delivery sends it", async () => {
    const e = email();
    await enqueueEmail(e);
    await fault({ path: "/emails", method: "POST", status: 500, count: 1 });
    const error = await deliverEmail(e.key).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmailDeliveryError);
    expect((error as EmailDeliveryError).permanent).toBe(false);
    expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: e.key } })).toMatchObject({ status: "pending", attempts: 1, lastError: expect.any(String) });
    await deliverEmail(e.key);
    expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: e.key } })).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    expect(await messagesTo(e.to)).toHaveLength(1);
  });

  it("marks a row the provider rejects as invalid failed, and reports that retrying cannot help", async () => {
    const e = { ...email(), to: "not-an-address" };
    await enqueueEmail(e);
    const error = (await deliverEmail(e.key).catch((err: unknown) => err)) as EmailDeliveryError;
    expect(error.permanent).toBe(true);
    expect((await db.emailOutbox.findUniqueOrThrow({ where: { key: e.key } })).status).toBe("failed");
  });
});
