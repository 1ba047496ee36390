// One email per enforcement step (I6) and one when access is restored (I7); a subscription its
// customer cancelled gets its own words ("ended"), never the unpaid ones (I12). Plain words and
// dates; nothing about the hypervisor (I4).
import { escapeHtml, htmlDocument, type RenderedEmail } from "@/lib/email/templates/layout";

export type BillingNoticeKind = "warning" | "final_warning" | "backups_blocked" | "suspended" | "ended" | "deleted" | "restored";

export type BillingNoticeInput = {
  kind: BillingNoticeKind;
  customerName: string;
  vmName: string | null;
  /** The next step's date, when there is one ("suspended on …", "data kept until …"). */
  nextAt: Date | null;
  billingUrl: string;
};

const day = (d: Date | null) => (d ? d.toUTCString().replace(/:\d\d GMT$/, " UTC") : "soon");

export function renderBillingNotice(input: BillingNoticeInput): RenderedEmail {
  const vm = input.vmName ? `your lab VM ${input.vmName}` : "your lab VM";
  const lines: Record<BillingNoticeKind, { subject: string; body: string[] }> = {
    warning: {
      subject: "Your Lab VPS payment did not go through",
      body: [
        `We could not collect the renewal payment for ${vm}.`,
        "Nothing has changed yet: pay the open invoice or update your card to keep everything as it is.",
      ],
    },
    final_warning: {
      subject: "Final notice: your Lab VPS payment is still overdue",
      body: [
        `The renewal payment for ${vm} is still overdue.`,
        `Snapshots and backups are blocked from now on, and the VM will be stopped on ${day(input.nextAt)} unless the invoice is paid.`,
      ],
    },
    backups_blocked: {
      subject: "Snapshots and backups are paused for your Lab VPS",
      body: [`Snapshots and backups of ${vm} are blocked until the overdue invoice is paid.`, `The VM will be stopped on ${day(input.nextAt)}.`],
    },
    suspended: {
      subject: "Your Lab VPS has been suspended",
      body: [
        `${vm.charAt(0).toUpperCase()}${vm.slice(1)} has been stopped for billing. Your data is kept until ${day(input.nextAt)}.`,
        "Pay the open invoice and access is restored at once.",
      ],
    },
    // The customer's own cancellation took effect: their words, no money owed (I12).
    ended: {
      subject: "Your Lab VPS subscription has ended",
      body: [
        `${vm.charAt(0).toUpperCase()}${vm.slice(1)} was stopped at the end of its subscription, as you asked. Its data is kept until ${day(input.nextAt)}.`,
        "To use it again before then, open it and choose Restore this VM.",
      ],
    },
    deleted: {
      subject: "Your Lab VPS has been deleted",
      body: [`${vm.charAt(0).toUpperCase()}${vm.slice(1)} and its data were deleted after the retention period ended.`],
    },
    restored: {
      subject: "Access to your Lab VPS is restored",
      body: [`Thank you, your payment was received. Every block on ${vm} is lifted.`],
    },
  };
  const { subject, body } = lines[input.kind];
  const text = [`Hi ${input.customerName},`, "", ...body, "", `Billing: ${input.billingUrl}`].join("\n");
  const html = htmlDocument(
    subject,
    [
      `<p>Hi ${escapeHtml(input.customerName)},</p>`,
      ...body.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p><a href="${escapeHtml(input.billingUrl)}">Open billing</a></p>`,
    ].join("\n"),
  );
  return { subject, text, html };
}
