import { afterEach, describe, expect, it, vi } from "vitest";
import { inject } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { resend } from "@/lib/email/resend";
import { unique } from "@/test/fixtures/unique";
import { captureLogLines, stopCapturingLogs } from "@/test/fixtures/log-lines";
import { deliverEmail, EmailDeliveryError, enqueueEmail, sendEmailOnce, tryDeliverEmail } from "./outbox";
import { deliverWaitingEmails } from "./drain";
import { getOpenMailIncident } from "./mail-incident";
import { waitForSendSlot } from "./pace";
import { MailIncidentBanner } from "@/components/admin/mail-incident-banner";
import { renderPage, textOf } from "@/test/fixtures/render";

const mailUrl = () => inject("simUrls").mail;
const messagesTo = async (to: string) =>
  ((await (await fetch(`${mailUrl()}/_sim/messages?to=${encodeURIComponent(to)}`)).json()) as { messages: unknown[] }).messages;
const fault = (spec: object) =>
  fetch(`${mailUrl()}/_sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
const email = () => {
  const tag = unique();
  return { key: `test:${tag}`, to: `outbox.${tag}@example.test`, subject: `Outbox ${tag}`, text: "hello", html: "<p>hello</p>" };
};

const setDomain = (status: string) =>
  fetch(`${mailUrl()}/_sim/domains/lab.localhost`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ status }) });
const rate = async () => (await (await fetch(`${mailUrl()}/_sim/rate`)).json()) as { peakPerSecond: number; limited: number };

afterEach(async () => {
  await fetch(`${mailUrl()}/_sim/faults`, { method: "DELETE" });
  await setDomain("verified");
  vi.restoreAllMocks();
  stopCapturingLogs();
});

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
    await waitForSendSlot();
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

describe("email never silently dropped", () => {
  it("I3: with an unverified sending domain nothing is marked failed, the operator is alerted once, and every row is sent after the fix", async () => {
    const since = new Date();
    const lines = captureLogLines();
    await setDomain("pending");
    const rows = Array.from({ length: 4 }, email);

    // Every way the product sends: a direct send, a step's try, a raw delivery.
    expect(await sendEmailOnce(rows[0])).toEqual({ providerId: null, alreadySent: false, queued: true });
    await enqueueEmail(rows[1]);
    expect(await tryDeliverEmail(rows[1].key)).toMatchObject({ done: true, held: true });
    await enqueueEmail(rows[2]);
    const error = (await deliverEmail(rows[2].key).catch((e: unknown) => e)) as EmailDeliveryError;
    expect(error).toMatchObject({ failure: "configuration", permanent: false });
    expect(await sendEmailOnce(rows[3])).toMatchObject({ queued: true });

    const stored = await db.emailOutbox.findMany({ where: { key: { in: rows.map((r) => r.key) } } });
    expect(stored.map((r) => r.status)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(stored.every((r) => r.lastError?.startsWith("validation_error: The lab.localhost domain is not verified"))).toBe(true);
    const opened = await db.auditEvent.findMany({ where: { action: "mail.incident_opened", createdAt: { gte: since } } });
    expect(opened).toHaveLength(1);
    expect(lines.filter((l) => l.component === "mail" && l.level === "error")).toEqual([
      expect.objectContaining({
        msg: expect.stringContaining("Resend refuses our mail"),
        error: expect.stringContaining("lab.localhost domain is not verified"),
      }),
    ]);
    expect(await getOpenMailIncident()).toMatchObject({ error: expect.stringContaining("lab.localhost domain is not verified") });
    // The operator's alert on every admin page.
    const banner = textOf(await renderPage(MailIncidentBanner()));
    expect(banner).toMatch(
      /^Email is not going out: Resend refuses our mail\. Since .*, \d+ emails? waiting\. Resend says: validation_error: The lab\.localhost domain is not verified/,
    );

    // While the incident is open the drainer probes with one email, not all of them.
    const requestsBefore = ((await (await fetch(`${mailUrl()}/_sim/requests`)).json()) as { requests: unknown[] }).requests.length;
    expect(await deliverWaitingEmails({ minAgeMs: 0 })).toMatchObject({ tried: 1, sent: 0 });
    const requestsAfter = ((await (await fetch(`${mailUrl()}/_sim/requests`)).json()) as { requests: unknown[] }).requests.length;
    expect(requestsAfter - requestsBefore).toBe(1);

    await setDomain("verified");
    const drained = await deliverWaitingEmails({ minAgeMs: 0 });
    expect(drained.waiting).toBe(0);
    for (const row of rows) expect(await messagesTo(row.to)).toHaveLength(1);
    expect((await db.emailOutbox.findMany({ where: { key: { in: rows.map((r) => r.key) } } })).map((r) => r.status)).toEqual(["sent", "sent", "sent", "sent"]);
    expect(await getOpenMailIncident()).toBeNull();
    expect(await renderPage(MailIncidentBanner())).toBe("");
    expect(await db.auditEvent.count({ where: { action: "mail.incident_opened", createdAt: { gte: since } } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "mail.incident_resolved", createdAt: { gte: since } } })).toBe(1);
  });

  it("a bad recipient is the only refusal that fails a row for good, and opens no incident", async () => {
    const e = { ...email(), to: "nobody-at-all" };
    await expect(sendEmailOnce(e)).rejects.toMatchObject({ failure: "bad_recipient", permanent: true });
    expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: e.key } })).toMatchObject({ status: "failed" });
    expect(await getOpenMailIncident()).toBeNull();
  });

  it("a burst of mail is paced under Resend's 2 requests/s: no 429, no row failed", async () => {
    await waitForSendSlot();
    await fetch(`${mailUrl()}/_sim/rate`, { method: "DELETE" });
    const burst = Array.from({ length: 8 }, email);
    const started = performance.now();
    const results = await Promise.all(burst.map((e) => sendEmailOnce(e)));
    const seconds = (performance.now() - started) / 1000;
    expect(results.every((r) => r.providerId && !r.queued)).toBe(true);
    expect(await rate()).toEqual({ peakPerSecond: 2, limited: 0 });
    // 8 requests at under 2/s take at least 3.5 s: the pacing is what kept the stand-in quiet.
    expect(seconds).toBeGreaterThan(3.5);
    expect((await db.emailOutbox.findMany({ where: { key: { in: burst.map((e) => e.key) } } })).every((r) => r.status === "sent")).toBe(true);
  });

  it("a 429 from Resend (another sender on the team) is waited out, not a failure", async () => {
    const e = email();
    await fault({ path: "/emails", method: "POST", status: 429, count: 1, retryAfterMs: 300 });
    expect(await sendEmailOnce(e)).toMatchObject({ providerId: expect.any(String), alreadySent: false });
    expect(await db.emailOutbox.findUniqueOrThrow({ where: { key: e.key } })).toMatchObject({ status: "sent" });
  });
});
