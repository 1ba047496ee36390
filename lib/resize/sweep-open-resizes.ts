// The sweeper's resize section: a resize still waiting for its money, or paid but not yet
// applying, after the limit lost its signal somewhere. Re-read from Stripe (never by re-sending a
// Stripe event id): paid → the apply run is queued (same event id, so at most one run), lapsed →
// expired, still open → left as it is. A scheduled downgrade is looked at once its renewal is due.
import { db } from "@/lib/db";
import type { SweepSection } from "@/lib/billing/sweep-stuck-work";
import { confirmResizePayment } from "@/lib/resize/confirm-resize-payment";

export async function convergeOpenResizes(olderThanMinutes: number): Promise<SweepSection> {
  const stale = await db.resizeRequest.findMany({
    where: {
      updatedAt: { lt: new Date(Date.now() - olderThanMinutes * 60_000) },
      OR: [
        { status: { in: ["awaiting_payment", "paid"] } },
        // A downgrade waits a whole period on purpose: only once its renewal is due (or its schedule was never recorded).
        { status: "scheduled", OR: [{ effectiveAt: { lt: new Date() } }, { stripeScheduleId: null }] },
      ],
    },
    orderBy: { updatedAt: "asc" },
    take: 50,
    select: { id: true },
  });
  const section: SweepSection = { found: stale.length, items: [], orderPaid: [] };
  for (const { id } of stale) {
    try {
      const state = await confirmResizePayment(id);
      section.items.push({ subject: `resize ${id}`, outcome: state.status });
    } catch (error) {
      section.items.push({ subject: `resize ${id}`, outcome: "error", detail: (error instanceof Error ? error.message : String(error)).slice(0, 300) });
    }
  }
  return section;
}
