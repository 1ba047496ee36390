// Every email a customer gets about their account and money, in one place: the same greeting,
// the same plain-text alternative, and links that are absolute URLs on APP_URL and clickable in
// the HTML part. Nothing about the hypervisor (I4), never a password, code or secret (I9); a
// one-time link appears only in the email that delivers it.
import { env } from "@/lib/env";
import { escapeHtml, htmlDocument, type RenderedEmail } from "@/lib/email/templates/layout";

/** An absolute link on our own site (emails have no base URL). */
export function appUrl(path: string): string {
  const url = new URL(path, env().APP_URL);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`not a web link: ${path}`);
  return url.toString();
}

type Action = { label: string; url: string };
type Parts = { subject: string; name: string; lines: string[]; action?: Action; more?: Action[]; after?: string[] };

/** The one layout: greeting, paragraphs, an optional button-like link, closing lines. */
export function renderCustomerEmail({ subject, name, lines, action, more = [], after = [] }: Parts): RenderedEmail {
  for (const a of [action, ...more]) if (a && !/^https?:\/\//.test(a.url)) throw new Error(`email links must be absolute: ${a.url}`);
  const links = [...(action ? [action] : []), ...more];
  const text = [
    `Hi ${name},`,
    "",
    ...lines.flatMap((l) => [l, ""]),
    ...links.flatMap((a) => [`${a.label}: ${a.url}`, ""]),
    ...after.flatMap((l) => [l, ""]),
    "— Lab VPS",
  ]
    .join("\n")
    .trimEnd();
  const link = action
    ? `<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:0.5rem 1rem;background:#1d4ed8;color:#fff;border-radius:0.375rem;text-decoration:none">${escapeHtml(action.label)}</a></p>\n<p style="font-size:0.875rem;color:#555">Or open <a href="${escapeHtml(action.url)}">${escapeHtml(action.url)}</a></p>`
    : "";
  const html = htmlDocument(
    subject,
    [
      `<p>Hi ${escapeHtml(name)},</p>`,
      ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
      link,
      ...more.map((a) => `<p><a href="${escapeHtml(a.url)}">${escapeHtml(a.label)}</a></p>`),
      ...after.map((l) => `<p>${escapeHtml(l)}</p>`),
      "<p>— Lab VPS</p>",
    ]
      .filter(Boolean)
      .join("\n"),
  );
  return { subject, text, html };
}

const when = (d: Date) => d.toUTCString().replace(/:\d\d GMT$/, " UTC");
const notYou = "If this was not you, reset your password at once and contact us.";

export const customerEmails = {
  welcome: (name: string) =>
    renderCustomerEmail({
      subject: "Welcome to Lab VPS",
      name,
      lines: [
        "Your account is ready. To get a lab VM: confirm your email address (we sent a separate link), choose a plan on the pricing page and pay with Stripe.",
        "Your VM is built once the payment is confirmed; we email you when it is up, with the SSH hostname and a ~/.ssh/config block. You connect through Cloudflare (install cloudflared) or use the browser console on the VM's page.",
      ],
      action: { label: "Choose a plan", url: appUrl("/pricing") },
    }),
  verifyEmail: (name: string, email: string, token: string) =>
    renderCustomerEmail({
      subject: "Confirm your email address for Lab VPS",
      name,
      lines: [`Please confirm that ${email} is your address. We send invoices and notices about your VMs here. The link works once, for 24 hours.`],
      action: { label: "Confirm my email address", url: appUrl(`/verify-email?token=${encodeURIComponent(token)}`) },
      after: ["If you did not create a Lab VPS account, ignore this email."],
    }),
  passwordReset: (name: string, token: string) =>
    renderCustomerEmail({
      subject: "Reset your Lab VPS password",
      name,
      lines: ["Someone (hopefully you) asked to reset the password of your Lab VPS account. The link works once, for 30 minutes."],
      action: { label: "Choose a new password", url: appUrl(`/reset-password?token=${encodeURIComponent(token)}`) },
      after: ["If you did not ask for this, ignore this email: your password stays as it is."],
    }),
  passwordChanged: (name: string, at: Date) =>
    renderCustomerEmail({
      subject: "Your Lab VPS password was changed",
      name,
      lines: [`The password of your Lab VPS account was changed on ${when(at)}. Every other signed-in browser was signed out.`, notYou],
      action: { label: "Reset my password", url: appUrl("/forgot-password") },
    }),
  newDeviceSignIn: (name: string, device: string, at: Date) =>
    renderCustomerEmail({
      subject: "New sign-in to your Lab VPS account",
      name,
      lines: [`Your account was signed in from ${device} on ${when(at)}.`, `${notYou} You can sign out any browser on your account page.`],
      action: { label: "Review signed-in browsers", url: appUrl("/account") },
    }),
  emailChangeConfirm: (name: string, newEmail: string, token: string) =>
    renderCustomerEmail({
      subject: "Confirm your new email address for Lab VPS",
      name,
      lines: [
        `Please confirm ${newEmail} as the new address of your Lab VPS account. Until you do, we keep using the old one. The link works once, for 24 hours.`,
      ],
      action: { label: "Confirm my new address", url: appUrl(`/verify-email?change=1&token=${encodeURIComponent(token)}`) },
    }),
  emailChangeRequested: (name: string, newEmail: string) =>
    renderCustomerEmail({
      subject: "A change of your Lab VPS email address was requested",
      name,
      lines: [`Someone signed in to your account asked to change its email address to ${newEmail}. Nothing changes until that address is confirmed.`, notYou],
      action: { label: "Open my account", url: appUrl("/account") },
    }),
  emailChanged: (name: string, newEmail: string) =>
    renderCustomerEmail({
      subject: "Your Lab VPS email address was changed",
      name,
      lines: [`The email address of your Lab VPS account is now ${newEmail}; we no longer write to this one.`, notYou],
      action: { label: "Reset my password", url: appUrl("/forgot-password") },
    }),
  paymentReceipt: (name: string, input: { planName: string; amount: string; invoiceUrl: string | null; orderId: string }) =>
    renderCustomerEmail({
      subject: `Payment received: ${input.planName}`,
      name,
      lines: [`Thank you: we received ${input.amount} for ${input.planName}. Your VM is being built now; we email you when it is ready.`],
      action: input.invoiceUrl ? { label: "View your invoice", url: input.invoiceUrl } : undefined,
      more: [{ label: "Follow your order", url: appUrl(`/orders/${input.orderId}`) }],
    }),
  buildFailed: (name: string, input: { planName: string; orderId: string }) =>
    renderCustomerEmail({
      subject: `We could not build your ${input.planName} VM yet`,
      name,
      lines: [
        `Building your ${input.planName} VM failed. You are not charged twice and nothing half-built is kept.`,
        "What happens next: we look into it and either build it again or refund your payment in full; you get an email either way, usually within a working day.",
      ],
      action: { label: "See your order", url: appUrl(`/orders/${input.orderId}`) },
    }),
  refundIssued: (name: string, input: { amount: string; what: string }) =>
    renderCustomerEmail({
      subject: "Your Lab VPS refund is on its way",
      name,
      lines: [`We refunded ${input.amount} for ${input.what}. Refunds usually reach your card within 5–10 business days.`],
      action: { label: "Open billing", url: appUrl("/billing") },
    }),
  resized: (name: string, input: { vmName: string; summary: string; price: string; vmId: string }) =>
    renderCustomerEmail({
      subject: `Your VM ${input.vmName} has been resized`,
      name,
      lines: [`Your VM ${input.vmName} now has ${input.summary}.`, `Your new monthly price is ${input.price}.`],
      action: { label: "Open your VM", url: appUrl(`/vms/${input.vmId}`) },
    }),
};
