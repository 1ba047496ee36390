// Configuration errors (delivery-errors.ts) are one incident for the operator, not one alert per
// email: the first refused send opens it (audit event, one error log line, a banner on /admin),
// later ones only note the latest error; the first successful send closes it. Meanwhile rows stay
// pending and the outbox drainer sends them once Resend accepts us again.
import { db } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record-audit";
import { log } from "@/lib/observability/log";

const OPEN = "mail";

/** Opens the incident unless one is open (race-safe: the unique open key). True when this call opened it. */
export async function openMailIncident(error: string, now = new Date()): Promise<boolean> {
  const { count } = await db.mailIncident.createMany({ data: [{ openKey: OPEN, error, openedAt: now, lastSeenAt: now }], skipDuplicates: true });
  if (count === 0) {
    await db.mailIncident.updateMany({ where: { openKey: OPEN }, data: { error, lastSeenAt: now } });
    return false;
  }
  const incident = await db.mailIncident.findUniqueOrThrow({ where: { openKey: OPEN } });
  await recordAudit({ type: "system" }, "mail.incident_opened", { type: "mail_incident", id: incident.id }, { error });
  // Resend's message names the domain or the key problem, never the key itself (I9).
  log("mail").error({ incidentId: incident.id, error }, "Resend refuses our mail: emails are held until this is fixed (see /admin)");
  return true;
}

/** Closes the open incident, if any, after a send went through. */
export async function resolveMailIncident(now = new Date()): Promise<void> {
  const open = await db.mailIncident.findUnique({ where: { openKey: OPEN }, select: { id: true } });
  if (!open) return;
  const { count } = await db.mailIncident.updateMany({ where: { id: open.id, openKey: OPEN }, data: { openKey: null, resolvedAt: now } });
  if (count === 0) return;
  const waiting = await db.emailOutbox.count({ where: { status: "pending" } });
  await recordAudit({ type: "system" }, "mail.incident_resolved", { type: "mail_incident", id: open.id }, { waiting });
  log("mail").info({ incidentId: open.id, waiting }, "Resend accepts our mail again: the waiting emails go out now");
}

export type OpenMailIncident = { id: string; error: string; openedAt: Date; lastSeenAt: Date; waiting: number };

/** The open incident with how many emails wait on it, for /admin and the doctor. */
export async function getOpenMailIncident(): Promise<OpenMailIncident | null> {
  const incident = await db.mailIncident.findUnique({ where: { openKey: OPEN } });
  if (!incident) return null;
  const waiting = await db.emailOutbox.count({ where: { status: "pending" } });
  return { id: incident.id, error: incident.error, openedAt: incident.openedAt, lastSeenAt: incident.lastSeenAt, waiting };
}
