// Telling the operator that something needs them (issue 22, Build 3), once per incident: the first
// raise of a (kind, subject) opens an incident and notifies by email (OPERATOR_EMAIL, through the
// outbox: one email per incident even if two instances race) and, when OPERATOR_WEBHOOK_URL is
// set, a chat webhook; later raises of the same open incident only count and refresh it. An
// incident ends when resolved (the condition cleared) or, for kinds that come in bursts, when it
// has been quiet for `reopenAfterMinutes`: the next raise is then a new incident.
// One entry point for every alert of the product: enforcement failures, provisioning past its
// deadline, reconciliation findings, webhook signature bursts, mail configuration problems.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { deliverEmail, enqueueEmail } from "@/lib/email/outbox";
import { escapeHtml, htmlDocument } from "@/lib/email/templates/layout";
import { postChatAlert } from "@/lib/alerts/chat-webhook";
import { errorFields, log } from "@/lib/observability/log";

export type OperatorAlert = {
  /** What kind of problem: `enforcement_failure`, `provisioning_overdue`, `reconciliation_finding`, `webhook_signature_burst`, `mail_configuration`, … */
  kind: string;
  /** What it is about, e.g. an order, VM or enforcement id ("stripe-webhook" for a burst). */
  subject: string;
  /** One line for the operator (email subject, chat message). Ids, never secrets or customer data beyond an email. */
  title: string;
  /** Details for the email body (operator-facing: upstream errors are fine here, secrets never). */
  detail?: string;
  /** Path under APP_URL where the operator acts on it (e.g. `/admin/orders/…`). */
  link?: string;
  /** A quiet incident older than this is over; the next raise opens a new one (bursts). */
  reopenAfterMinutes?: number;
  /** The work that raises it already emails the operator about it (chat only, no second email). */
  emailedElsewhere?: boolean;
};

export type RaisedAlert = { incidentId: string; opened: boolean };

export async function raiseOperatorAlert(alert: OperatorAlert): Promise<RaisedAlert> {
  const openKey = `${alert.kind}:${alert.subject}`;
  if (alert.reopenAfterMinutes) {
    await db.operatorIncident.updateMany({
      where: { openKey, lastSeenAt: { lt: new Date(Date.now() - alert.reopenAfterMinutes * 60_000) } },
      data: { openKey: null, resolvedAt: new Date() },
    });
  }
  // One statement decides who opened it: concurrent raises (two replicas) count once each, notify once.
  const [row] = await db.$queryRaw<Array<{ id: string; opened: boolean }>>`
    INSERT INTO operator_incidents (id, kind, subject, title, detail, link, open_key, first_seen_at, last_seen_at, occurrences)
    VALUES (${`inc_${crypto.randomUUID()}`}, ${alert.kind}, ${alert.subject}, ${alert.title.slice(0, 300)}, ${alert.detail?.slice(0, 4000) ?? null},
            ${alert.link ?? null}, ${openKey}, now(), now(), 1)
    ON CONFLICT (open_key) DO UPDATE SET last_seen_at = now(), occurrences = operator_incidents.occurrences + 1
    RETURNING id, (xmax = 0) AS opened`;
  if (row.opened) log("alerts").warn({ incidentId: row.id, kind: alert.kind, subject: alert.subject }, "operator incident opened");
  await notifyIncident(row.id, { email: !alert.emailedElsewhere }).catch((error: unknown) =>
    log("alerts").error({ incidentId: row.id, ...errorFields(error) }, "could not notify the operator"),
  );
  return { incidentId: row.id, opened: row.opened };
}

/** The condition cleared (e.g. the enforcement run succeeded): a later raise is a new incident. */
export async function resolveOperatorIncident(kind: string, subject: string): Promise<boolean> {
  const { count } = await db.operatorIncident.updateMany({ where: { openKey: `${kind}:${subject}` }, data: { openKey: null, resolvedAt: new Date() } });
  return count > 0;
}

/**
 * Sends what this incident has not been sent yet: the email (outbox key per incident: once, even
 * when retried or raced) and the chat message (claimed with a conditional update: once).
 */
async function notifyIncident(incidentId: string, channels: { email: boolean }): Promise<void> {
  const incident = await db.operatorIncident.findUniqueOrThrow({ where: { id: incidentId } });
  const { APP_URL, OPERATOR_EMAIL, OPERATOR_WEBHOOK_URL } = env();
  const url = incident.link ? new URL(incident.link, APP_URL).toString() : new URL("/admin", APP_URL).toString();
  if (channels.email && !incident.emailedAt) {
    const subject = `[Lab VPS] ${incident.title}`;
    const text = [
      incident.title,
      "",
      incident.detail ?? "",
      "",
      `Kind: ${incident.kind}`,
      `Subject: ${incident.subject}`,
      `First seen: ${incident.firstSeenAt.toISOString()}`,
      `Act on it: ${url}`,
    ].join("\n");
    const key = `operator-alert:${incident.id}`;
    await enqueueEmail({ key, to: OPERATOR_EMAIL, subject, text, html: htmlDocument(subject, `<pre style="white-space:pre-wrap">${escapeHtml(text)}</pre>`) });
    await deliverEmail(key);
    await db.operatorIncident.updateMany({ where: { id: incident.id, emailedAt: null }, data: { emailedAt: new Date() } });
  }
  if (OPERATOR_WEBHOOK_URL && !incident.chattedAt) {
    const { count } = await db.operatorIncident.updateMany({ where: { id: incident.id, chattedAt: null }, data: { chattedAt: new Date() } });
    if (count === 1) {
      try {
        await postChatAlert(OPERATOR_WEBHOOK_URL, { title: incident.title, kind: incident.kind, subject: incident.subject, url });
      } catch (error) {
        // Not sent: give the claim back so the next raise of this incident tries again.
        await db.operatorIncident.updateMany({ where: { id: incident.id }, data: { chattedAt: null } });
        throw error;
      }
    }
  }
}
