// The outbox's own sender of last resort: every pending row is tried again on a schedule
// (MAIL_DRAIN_CRON), whoever queued it and however long its caller kept trying. So an email held
// by a mail incident or a long Resend outage goes out once Resend accepts it: never lost (I3).
import { db } from "@/lib/db";
import { tryDeliverEmail } from "@/lib/email/outbox";
import { getOpenMailIncident } from "@/lib/email/mail-incident";

export type DrainResult = { tried: number; sent: number; waiting: number };

/**
 * Tries pending rows oldest first (paced by the outbox). While a mail incident is open only the
 * oldest row is tried, as a probe: when it goes out the incident closes and the rest follow.
 * `minAgeMs` leaves fresh rows to the caller that is sending them right now.
 */
export async function deliverWaitingEmails(options: { limit?: number; minAgeMs?: number } = {}): Promise<DrainResult> {
  const { limit = 100, minAgeMs = 60_000 } = options;
  const pendingKeys = async (take: number) =>
    (
      await db.emailOutbox.findMany({
        where: { status: "pending", createdAt: { lte: new Date(Date.now() - minAgeMs) } },
        orderBy: { createdAt: "asc" },
        select: { key: true },
        take,
      })
    ).map((r) => r.key);
  const result = { tried: 0, sent: 0 };
  // Stops at the first email a mail incident holds: the rest would be refused the same way.
  const tryEach = async (keys: string[]) => {
    for (const key of keys) {
      result.tried++;
      const outcome = await tryDeliverEmail(key);
      if ((await db.emailOutbox.count({ where: { key, status: "sent" } })) === 1) result.sent++;
      else if (outcome.held) return false;
    }
    return true;
  };
  const incident = await getOpenMailIncident();
  const probed = await tryEach(await pendingKeys(incident ? 1 : limit));
  if (incident && probed && result.sent === 1 && limit > 1) await tryEach(await pendingKeys(limit - 1));
  const waiting = await db.emailOutbox.count({ where: { status: "pending" } });
  return { ...result, waiting };
}
