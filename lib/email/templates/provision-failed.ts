// For the operator only (OPERATOR_EMAIL): which order failed, where, the upstream error and what
// compensation could not clean up. Internal detail is fine here; it never goes to customers.
import { escapeHtml, htmlDocument, type RenderedEmail } from "@/lib/email/templates/layout";

export type ProvisionFailedEmailInput = {
  orderId: string;
  attempt: number;
  customerEmail: string;
  planName: string;
  reason: string;
  /** Compensation results, one line each ("destroy vm: ok", "delete tunnel: …"). */
  cleanup: string[];
  adminUrl: string;
  /** The VM was delivered before the failure (a later step failed): nothing was torn down. */
  delivered: boolean;
};

export function renderProvisionFailedEmail(input: ProvisionFailedEmailInput): RenderedEmail {
  const subject = input.delivered
    ? `Provisioning finished with an error: order ${input.orderId} (attempt ${input.attempt})`
    : `Provisioning failed: order ${input.orderId} (attempt ${input.attempt})`;
  const lines = [
    `Order: ${input.orderId} (attempt ${input.attempt})`,
    `Customer: ${input.customerEmail}`,
    `Plan: ${input.planName}`,
    "",
    "Reason:",
    input.reason,
    "",
    input.delivered ? "The VM had been delivered; nothing was torn down." : "Cleanup:",
    ...input.cleanup.map((line) => `- ${line}`),
    "",
    `Retry or inspect: ${input.adminUrl}`,
  ];
  const html = htmlDocument(subject, `<pre style="white-space:pre-wrap">${escapeHtml(lines.join("\n"))}</pre>`);
  return { subject, text: lines.join("\n"), html };
}
