// Billing emails through the outbox: the key `billing:<row>:<kind>:<episode>` makes each step's
// email once per overdue episode (I3), whichever run or replay gets there first.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { enqueueEmail, tryDeliverEmail } from "@/lib/email/outbox";
import { renderBillingNotice, type BillingNoticeKind } from "@/lib/email/templates/billing-notice";

export const BILLING_EMAIL_PREFIX = "billing:";
export const billingNoticeKey = (enforcementId: string, kind: BillingNoticeKind, episode: string | null) =>
  `${BILLING_EMAIL_PREFIX}${enforcementId}:${kind}:${episode ?? "none"}`;

/** Writes the notice into the outbox unless it is there; returns its key. */
export async function queueBillingNotice(enforcementId: string, kind: BillingNoticeKind, episode: string | null, nextAt: Date | null): Promise<string> {
  const row = await db.billingEnforcement.findUniqueOrThrow({ where: { id: enforcementId }, select: { userId: true, orderId: true } });
  const [user, vm] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: row.userId }, select: { email: true, name: true } }),
    db.vm.findUnique({ where: { orderId: row.orderId }, select: { name: true } }),
  ]);
  const key = billingNoticeKey(enforcementId, kind, episode);
  const email = renderBillingNotice({
    kind,
    customerName: user.name,
    vmName: vm?.name ?? null,
    nextAt,
    billingUrl: `${env().APP_URL.replace(/\/$/, "")}/billing`,
  });
  await enqueueEmail({ key, to: user.email, ...email });
  return key;
}

export type NoticeRequest = { enforcementId: string; userId: string; orderId: string; kind: BillingNoticeKind; episode: string | null; nextAt: Date | null };

/** Many notices in three statements (the ladder tick): their users, their VMs' names, one insert-or-skip. */
export async function queueBillingNotices(requests: NoticeRequest[]): Promise<void> {
  if (requests.length === 0) return;
  const [users, vms] = await Promise.all([
    db.user.findMany({ where: { id: { in: [...new Set(requests.map((r) => r.userId))] } }, select: { id: true, email: true, name: true } }),
    db.vm.findMany({ where: { orderId: { in: requests.map((r) => r.orderId) } }, select: { orderId: true, name: true } }),
  ]);
  const billingUrl = `${env().APP_URL.replace(/\/$/, "")}/billing`;
  const data = requests.flatMap((r) => {
    const user = users.find((u) => u.id === r.userId);
    if (!user) return [];
    const vmName = vms.find((v) => v.orderId === r.orderId)?.name ?? null;
    const email = renderBillingNotice({ kind: r.kind, customerName: user.name, vmName, nextAt: r.nextAt, billingUrl });
    return [{ key: billingNoticeKey(r.enforcementId, r.kind, r.episode), to: user.email, ...email }];
  });
  await db.emailOutbox.createMany({ data, skipDuplicates: true });
}

/** Tries every billing email still waiting in the outbox (a mail outage delays, never loses, I3). */
export async function deliverBillingNotices(): Promise<{ sent: number; waiting: number }> {
  const pending = await db.emailOutbox.findMany({ where: { status: "pending", key: { startsWith: BILLING_EMAIL_PREFIX } }, select: { key: true }, take: 200 });
  let sent = 0;
  for (const { key } of pending) {
    const outcome = await tryDeliverEmail(key);
    // A mail incident holds every email alike: the outbox drainer sends them after the fix.
    if (outcome.held) break;
    if (outcome.done) sent++;
  }
  return { sent, waiting: pending.length - sent };
}
