// Operator alerts, once per incident (issue 22, Build 3), by email through the outbox and to a
// Slack/Discord-compatible chat webhook (a local server standing in for one here).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { raiseOperatorAlert, resolveOperatorIncident } from "@/lib/alerts/raise-operator-alert";
import { db } from "@/lib/db";
import { recordEnforcementFailure, recordBillingAction } from "@/lib/billing-state/billing-state";
import { unique } from "@/test/fixtures/unique";

const mailUrl = inject("simUrls").mail;
const chat: Array<{ text: string; content: string }> = [];
let chatServer: http.Server;

beforeAll(async () => {
  chatServer = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      chat.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => chatServer.listen(0, "127.0.0.1", r));
  // Read by env() on first use in this file.
  process.env.OPERATOR_WEBHOOK_URL = `http://127.0.0.1:${(chatServer.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise((r) => chatServer.close(r)));

async function operatorMail(subjectPart: string) {
  const res = await fetch(`${mailUrl}/_sim/messages?to=${encodeURIComponent("ops@lab.localhost")}`);
  const { messages } = (await res.json()) as { messages: Array<{ subject: string; text?: string }> };
  return messages.filter((m) => m.subject.includes(subjectPart));
}

describe("raiseOperatorAlert", () => {
  it("opens one incident for concurrent raises of the same kind and subject, and tells the operator once by email and once in chat", async () => {
    const subject = `order_${unique()}`;
    const raises = await Promise.all(
      Array.from({ length: 5 }, () =>
        raiseOperatorAlert({ kind: "provisioning_overdue", subject, title: `Cleanup overdue for failed order ${subject}`, link: `/admin/orders/${subject}` }),
      ),
    );
    expect(new Set(raises.map((r) => r.incidentId)).size).toBe(1);
    expect(raises.filter((r) => r.opened)).toHaveLength(1);
    const incident = await db.operatorIncident.findUniqueOrThrow({ where: { id: raises[0].incidentId } });
    expect(incident).toMatchObject({ occurrences: 5, openKey: `provisioning_overdue:${subject}` });
    expect(incident.emailedAt).not.toBeNull();
    expect(incident.chattedAt).not.toBeNull();
    await expect.poll(async () => (await operatorMail(subject)).length).toBe(1);
    expect(chat.filter((m) => m.text.includes(subject))).toHaveLength(1);
    expect(chat.find((m) => m.text.includes(subject))?.text).toContain(`/admin/orders/${subject}`);
  });

  it("after the incident is resolved, the same problem again is a new incident with its own notification", async () => {
    const subject = `vm_${unique()}`;
    const first = await raiseOperatorAlert({ kind: "reconciliation_finding", subject, title: `Finding ${subject}` });
    expect(await resolveOperatorIncident("reconciliation_finding", subject)).toBe(true);
    const second = await raiseOperatorAlert({ kind: "reconciliation_finding", subject, title: `Finding ${subject}` });
    expect(second.opened).toBe(true);
    expect(second.incidentId).not.toBe(first.incidentId);
    await expect.poll(async () => (await operatorMail(subject)).length).toBe(2);
    expect(chat.filter((m) => m.text.includes(subject))).toHaveLength(2);
  });

  it("a burst incident that has been quiet for its window ends; the next raise opens a new one", async () => {
    const subject = `burst_${unique()}`;
    const first = await raiseOperatorAlert({ kind: "webhook_signature_burst", subject, title: `Burst ${subject}`, reopenAfterMinutes: 30 });
    expect((await raiseOperatorAlert({ kind: "webhook_signature_burst", subject, title: `Burst ${subject}`, reopenAfterMinutes: 30 })).opened).toBe(false);
    await db.operatorIncident.update({ where: { id: first.incidentId }, data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    expect((await raiseOperatorAlert({ kind: "webhook_signature_burst", subject, title: `Burst ${subject}`, reopenAfterMinutes: 30 })).opened).toBe(true);
  });

  it("an enforcement failure raises an incident, and the next successful enforcement action resolves it", async () => {
    const user = await db.user.create({ data: { email: `enf.${unique()}@example.com`, name: "E", passwordHash: "x" } });
    const row = await db.billingEnforcement.create({
      data: {
        subscriptionId: `sub_row_${unique()}`,
        stripeSubscriptionId: `sub_${unique()}`,
        userId: user.id,
        orderId: `order_${unique()}`,
        state: "suspended",
      },
    });
    await recordEnforcementFailure(row.id, "suspend", "Proxmox answered 500");
    await recordEnforcementFailure(row.id, "suspend", "Proxmox answered 500");
    const open = await db.operatorIncident.findMany({ where: { kind: "enforcement_failure", subject: row.id } });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ occurrences: 2, resolvedAt: null });
    await recordBillingAction(row.id, "suspended", { type: "system" });
    expect(await db.operatorIncident.findFirst({ where: { kind: "enforcement_failure", subject: row.id } })).toMatchObject({ openKey: null });
  });
});
