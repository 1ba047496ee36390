// What /vms/[id]/resize shows: the VM's size and limits, the unit prices, a quote the customer is
// looking at, and the latest resize's state in customer words (I4: no node, no Proxmox error).
import { db } from "@/lib/db";
import type { ResizeKind, ResizeStatus } from "@/lib/generated/prisma/client";
import { fieldErrorsOf } from "@/lib/actions/validated-action";
import { loadResizeContext, resizeRefusal, type ResizeContext } from "@/lib/resize/load-resize-context";
import { resizeTotalsSchema, type Totals } from "@/lib/resize/resize-pricing";
import { QUOTE_TTL_MS } from "@/lib/resize/quote-resize";
import { stripe } from "@/lib/billing/stripe";
import { confirmResizePayment } from "@/lib/resize/confirm-resize-payment";
import { NEEDS_AUTHENTICATION, paymentProblemOf } from "@/lib/billing/payment-problem";

export const resizeStatusLabel: Record<ResizeStatus, string> = {
  quoted: "Price shown",
  awaiting_payment: "Waiting for payment",
  scheduled: "Scheduled for your next renewal",
  paid: "Paid: applying soon",
  applying: "Applying (your VM restarts)",
  applied: "Applied",
  failed: "Paid: applying needs our team",
  expired: "Lapsed unpaid",
  canceled: "Canceled",
  refunded: "Refunded",
};

export type ResizeRequestView = {
  id: string;
  status: ResizeStatus;
  kind: ResizeKind;
  /** A downgrade's renewal date (ISO); null for an upgrade. */
  effectiveAt: string | null;
  statusLabel: string;
  from: Totals;
  to: Totals;
  amountDueMinor: number;
  /** Tax included in amountDueMinor; null when the subscription is not taxed. */
  taxMinor: number | null;
  newMonthlyMinor: number;
  currency: string;
  customerMessage: string | null;
  hostedInvoiceUrl: string | null;
  progressStep: string | null;
  createdAt: string;
};

function viewOf(r: {
  id: string;
  status: ResizeStatus;
  kind: ResizeKind;
  effectiveAt: Date | null;
  fromVcpus: number;
  fromRamGb: number;
  fromDiskGb: number;
  vcpus: number;
  ramGb: number;
  diskGb: number;
  amountDueMinor: number;
  taxMinor: number | null;
  newMonthlyMinor: number;
  currency: string;
  customerMessage: string | null;
  hostedInvoiceUrl: string | null;
  progressStep: string | null;
  createdAt: Date;
}): ResizeRequestView {
  return {
    id: r.id,
    status: r.status,
    kind: r.kind,
    effectiveAt: r.effectiveAt?.toISOString() ?? null,
    statusLabel: resizeStatusLabel[r.status],
    from: { vcpus: r.fromVcpus, ramGb: r.fromRamGb, diskGb: r.fromDiskGb },
    to: { vcpus: r.vcpus, ramGb: r.ramGb, diskGb: r.diskGb },
    amountDueMinor: r.amountDueMinor,
    taxMinor: r.taxMinor,
    newMonthlyMinor: r.newMonthlyMinor,
    currency: r.currency,
    customerMessage: r.customerMessage,
    // The hosted page only matters while the invoice can still be paid.
    hostedInvoiceUrl: r.status === "awaiting_payment" ? r.hostedInvoiceUrl : null,
    progressStep: r.status === "applying" ? r.progressStep : null,
    createdAt: r.createdAt.toISOString(),
  };
}

export type ResizePage = {
  vm: { id: string; name: string } & Totals;
  plan: { name: string; base: Totals; max: Totals; monthlyPriceMinor: number; currency: string };
  prices: { kind: string; unitAmountMinor: number; stepGb: number }[];
  diskStepGb: number;
  refusal: string | null;
  latest: ResizeRequestView | null;
  quote: ResizeRequestView | null;
};

const diskStepOf = (ctx: ResizeContext) => ctx.prices.find((p) => p.kind === "disk_gb")?.stepGb ?? 10;

/** null when the VM is not this user's (404). */
export async function loadResizePage(userId: string, vmId: string, quoteId?: string, now = new Date()): Promise<ResizePage | null> {
  const ctx = await loadResizeContext(userId, vmId);
  if (!ctx) return null;
  const latest = await db.resizeRequest.findFirst({ where: { vmId, userId, status: { not: "quoted" } }, orderBy: { createdAt: "desc" } });
  const quote = quoteId
    ? await db.resizeRequest.findFirst({ where: { id: quoteId, vmId, userId, status: "quoted", createdAt: { gt: new Date(now.getTime() - QUOTE_TTL_MS) } } })
    : null;
  const { plan } = ctx;
  return {
    vm: { id: ctx.vm.id, name: ctx.vm.name, vcpus: ctx.vm.vcpus, ramGb: ctx.vm.ramGb, diskGb: ctx.vm.diskGb },
    plan: {
      name: plan.name,
      base: { vcpus: plan.vcpus, ramGb: plan.ramGb, diskGb: plan.diskGb },
      max: { vcpus: plan.maxVcpus ?? plan.vcpus, ramGb: plan.maxRamGb ?? plan.ramGb, diskGb: Math.max(plan.maxDiskGb ?? plan.diskGb, ctx.vm.diskGb) },
      monthlyPriceMinor: plan.monthlyPriceMinor,
      currency: plan.currency,
    },
    prices: ctx.prices.map((p) => ({ kind: p.kind, unitAmountMinor: p.unitAmountMinor, stepGb: p.stepGb })),
    diskStepGb: diskStepOf(ctx),
    refusal: resizeRefusal(ctx),
    latest: latest ? viewOf(latest) : null,
    quote: quote ? viewOf(quote) : null,
  };
}

/** The form's totals checked against this VM's plan (I10): the totals, or field-level errors. */
export async function parseResizeTotals(
  userId: string,
  vmId: string,
  raw: Record<string, unknown>,
): Promise<{ ok: true; totals: Totals } | { ok: false; fieldErrors: Record<string, string> } | null> {
  const ctx = await loadResizeContext(userId, vmId);
  if (!ctx) return null;
  const parsed = resizeTotalsSchema(ctx.plan, ctx.vm, diskStepOf(ctx)).safeParse(raw);
  return parsed.success ? { ok: true, totals: parsed.data } : { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
}

/**
 * The client secret Stripe.js confirms 3-D Secure with (the invoice's `confirmation_secret`), for
 * the owner's resize that still waits for its money; null otherwise. Read from Stripe when the
 * page renders, never stored (I9).
 */
export async function loadResizeConfirmationSecret(userId: string, resizeRequestId: string): Promise<string | null> {
  const request = await db.resizeRequest.findFirst({ where: { id: resizeRequestId, userId, status: "awaiting_payment" }, select: { stripeInvoiceId: true } });
  if (!request?.stripeInvoiceId) return null;
  const invoice = await stripe().invoices.retrieve(request.stripeInvoiceId, { expand: ["confirmation_secret"] });
  if (invoice.status !== "open") return null;
  // Only a bank that asks for 3-D Secure has something to confirm: a plain decline needs another card.
  if ((await paymentProblemOf(invoice.id).catch(() => null)) !== NEEDS_AUTHENTICATION) return null;
  return invoice.confirmation_secret?.client_secret ?? null;
}

/** The owner asks us to look again (after 3-D Secure): re-read from Stripe. null when not theirs (404). */
export async function recheckResizePayment(userId: string, resizeRequestId: string) {
  const request = await db.resizeRequest.findFirst({ where: { id: resizeRequestId, userId }, select: { id: true } });
  return request ? confirmResizePayment(request.id) : null;
}

/** The owner's downgrade waiting for the renewal, for the VM page ("smaller size from …"); null when none. */
export async function loadScheduledResize(userId: string, vmId: string): Promise<{ to: Totals; effectiveAt: string } | null> {
  const row = await db.resizeRequest.findFirst({
    where: { vmId, userId, kind: "downgrade", status: "scheduled", effectiveAt: { not: null } },
    select: { vcpus: true, ramGb: true, diskGb: true, effectiveAt: true },
  });
  return row ? { to: { vcpus: row.vcpus, ramGb: row.ramGb, diskGb: row.diskGb }, effectiveAt: row.effectiveAt!.toISOString() } : null;
}
