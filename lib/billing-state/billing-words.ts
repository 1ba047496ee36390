// What a customer reads about one VM's billing: each story in its own words (I12). Money words
// ("unpaid", "pay the invoice") belong to the overdue story only; a VM its customer cancelled is
// "ended", with the date its data is kept until and how to restore it.
import type { BillingState } from "@/lib/generated/prisma/client";
import { formatDay } from "@/lib/format/date";
import { storyOfRow, type BillingStory } from "@/lib/billing-state/billing-story";

/** The operator's names for states (/admin/billing), neutral on purpose. */
export const billingStateLabel: Record<BillingState, string> = {
  active: "Active",
  canceled_at_period_end: "Cancels at period end",
  past_due: "Payment overdue",
  final_warning: "Payment overdue (final warning)",
  backups_blocked: "Payment overdue: snapshots and backups blocked",
  suspended: "Suspended (stopping)",
  retained: "Stopped: data kept",
  pending_deletion: "Stopped: awaiting deletion",
  deleted: "Deleted",
  ended: "Ended by the customer (stopping)",
  superseded: "Restored under a new subscription",
};

type WordsRow = {
  state: BillingState;
  overdueSince: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  retainUntil: Date | null;
};

export type BillingWords = { story: BillingStory; label: string; detail: string | null };

const day = (d: Date | null) => (d ? formatDay(d) : "the end of the retention period");

/** The label and sentence for one VM's billing row (null row: nothing has happened, it is active). */
export function describeBilling(row: WordsRow | null, periodEnd: Date | null = null): BillingWords {
  if (!row) return { story: "live", label: "Active", detail: null };
  const story = storyOfRow(row);
  const kept = day(row.retainUntil);
  switch (row.state) {
    case "active":
      return { story, label: "Active", detail: null };
    case "canceled_at_period_end":
      return {
        story,
        label: "Cancels at the end of the period",
        detail: `Ends on ${day(periodEnd)}. Until then it runs as before, and you can undo the cancellation.`,
      };
    case "past_due":
      return {
        story,
        label: "Payment overdue",
        detail: "The renewal payment did not go through. Pay the open invoice or update your card; nothing changes yet.",
      };
    case "final_warning":
      return { story, label: "Payment overdue (final warning)", detail: "Pay the open invoice to keep this VM running." };
    case "backups_blocked":
      return { story, label: "Payment overdue: snapshots and backups blocked", detail: "Pay the open invoice to keep this VM running." };
    case "deleted":
      return { story, label: "Deleted", detail: "This VM and its data were deleted after the retention period." };
    case "superseded":
      return { story, label: "Restored under a new subscription", detail: null };
    case "ended":
    case "suspended":
    case "retained":
    case "pending_deletion":
      if (story === "overdue") {
        return {
          story,
          label: row.state === "pending_deletion" ? "Suspended for an unpaid invoice: to be deleted" : "Suspended for an unpaid invoice",
          detail: `This VM is stopped because an invoice is unpaid. Its data is kept until ${kept}. Pay the invoice and access is restored at once.`,
        };
      }
      return {
        story,
        label: row.state === "pending_deletion" ? "Ended: data about to be deleted" : "Ended",
        detail: `You cancelled this VM, so it stopped at the end of its subscription. Its data is kept until ${kept}; restore it before then to use it again.`,
      };
  }
}
