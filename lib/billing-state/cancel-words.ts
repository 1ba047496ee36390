// What "Cancel at period end" will do, said before it is sent (ask first, issue 21): the date the
// subscription ends (Stripe's period end, I11) and how long the data is kept after it.
import { formatDay } from "@/lib/format/date";
import { ladderConfig, retainUntilFrom } from "@/lib/billing-state/ladder";

export type CancelConfirmation = { title: string; body: string; confirmLabel: string; tone: "danger" };

export function cancelConfirmation(periodEnd: Date | null, config = ladderConfig()): CancelConfirmation {
  const ends = periodEnd ? `on ${formatDay(periodEnd)}` : "at the end of the period you have paid for";
  const kept = periodEnd ? ` (until ${formatDay(retainUntilFrom(periodEnd, config))})` : "";
  return {
    title: "Cancel at the end of the period?",
    body:
      `Your subscription ends ${ends} and you are not charged again. Until then the VM runs as usual. ` +
      `Then it is stopped and its data kept for ${config.retainDays} days${kept} in case you change your mind; after that it can be deleted. ` +
      `You can undo this until it ends.`,
    confirmLabel: "Cancel at period end",
    tone: "danger",
  };
}
