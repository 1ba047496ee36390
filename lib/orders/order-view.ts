// What a customer may see of an order, shared by the order page and its status route. Fields are
// whitelisted in the query itself (I4): failureReason, flagReason, node names and Stripe ids are
// never read, so they cannot reach a browser by accident.
import { db } from "@/lib/db";
import type { BillingInterval, LabType, OrderStatus, Prisma } from "@/lib/generated/prisma/client";

export const orderViewSelect = {
  id: true,
  status: true,
  interval: true,
  amountMinor: true,
  currency: true,
  hostname: true,
  progressStep: true,
  customerMessage: true,
  createdAt: true,
  flaggedAt: true,
  kind: true,
  plan: { select: { name: true, slug: true, labType: true } },
  vm: { select: { id: true } },
} as const satisfies Prisma.OrderSelect;

type OrderViewRow = Prisma.OrderGetPayload<{ select: typeof orderViewSelect }>;

export type OrderView = {
  id: string;
  status: OrderStatus;
  /** True once nothing will change without the customer or an operator acting: stop polling. */
  final: boolean;
  planName: string;
  /** For "start again" links to the plan's checkout. */
  planSlug: string;
  labType: LabType;
  interval: BillingInterval;
  amountMinor: number;
  currency: string;
  hostname: string;
  createdAt: string;
  /** The stage provisioning is at, in customer words (index into PROVISION_STAGES), while building. */
  stage: number | null;
  /** Shown when the order failed, was refunded, or its payment is held for an operator (flagged). */
  message: string | null;
  /** The VM to open once the order is provisioned. */
  vmId: string | null;
  /** What the customer can do about an unpaid order (issue 16: no dead ends). */
  actions: { completePayment: boolean; cancel: boolean };
};

export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ["provisioned", "failed", "expired", "refunded", "canceled"];

/** The stages the order page lists while a VM is built, in order. */
export const PROVISION_STAGES = [
  "Reserving your machine",
  "Copying the lab image",
  "Setting CPU, memory and SSH keys",
  "Sizing the disk",
  "Setting up secure SSH access",
  "Preparing the first boot",
  "Starting your VM",
  // Ready means reachable (issue 20): each readiness look is a stage of its own.
  "Waiting for it to boot",
  "Running its first-boot setup",
  "Checking nested virtualization",
  "Connecting secure SSH access",
  "Finishing up",
] as const;

// progressStep is written by provisioning (inngest/functions/provision-vm.ts: "reserving",
// "cloning", "configuring", "networking", "cloud_init", "starting", then the readiness looks
// "booting", "first_boot", "nested_virt", "tunnel", and "finishing"). It is mapped to a stage here and
// never shown raw, since step text could name internals (I4); unknown words fall back by keyword.
const KNOWN_STEPS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    reserving: 0,
    cloning: 1,
    configuring: 2,
    resizing: 3,
    networking: 4,
    cloud_init: 5,
    starting: 6,
    booting: 7,
    first_boot: 8,
    nested_virt: 9,
    tunnel: 10,
    finishing: 11,
  }),
);
const STAGE_PATTERNS: ReadonlyArray<[RegExp, number]> = [
  [/vmid|reserv/i, 0],
  [/clon|template/i, 1],
  [/snippet|user-?data|cicustom|cloud[-_ ]?init/i, 5],
  [/config|cores|memory|ssh|ipconfig|ciuser/i, 2],
  [/disk|resiz|grow/i, 3],
  [/tunnel|dns|cloudflare|network/i, 4],
  [/start|boot|power/i, 6],
  [/running|ready|email|mail|finish/i, 11],
];

export function stageOf(progressStep: string | null): number | null {
  if (!progressStep) return null;
  return KNOWN_STEPS.get(progressStep) ?? STAGE_PATTERNS.find(([pattern]) => pattern.test(progressStep))?.[1] ?? 0;
}

const DEFAULT_FAILURE_MESSAGE =
  "We could not build your VM. Nothing was left half-built, our team has been told, and we will be in touch about a retry or a refund.";

// A flagged payment (the amount or session did not add up) waits for an operator; the reason is
// operator-only, so the customer gets this instead.
export const FLAGGED_PAYMENT_MESSAGE =
  "Stripe took a payment for this order that we could not match to it, so we have not started building. Our team is checking it and will refund it if it cannot be put right.";
const DEFAULT_REFUND_MESSAGE = "We could not accept this order, so we cancelled its subscription and refunded your payment.";

function messageOf(row: OrderViewRow): string | null {
  if (row.status === "failed") return row.customerMessage ?? DEFAULT_FAILURE_MESSAGE;
  if (row.status === "refunded") return row.customerMessage ?? DEFAULT_REFUND_MESSAGE;
  if (row.status === "canceled") return "You cancelled this order before paying. Nothing was charged.";
  if ((row.status === "awaiting_payment" || row.status === "expired") && row.flaggedAt) return FLAGGED_PAYMENT_MESSAGE;
  return null;
}

export function toOrderView(row: OrderViewRow): OrderView {
  return {
    id: row.id,
    status: row.status,
    final: FINAL_ORDER_STATUSES.includes(row.status),
    planName: row.plan.name,
    planSlug: row.plan.slug,
    labType: row.plan.labType,
    interval: row.interval,
    amountMinor: row.amountMinor,
    currency: row.currency,
    hostname: row.hostname,
    createdAt: row.createdAt.toISOString(),
    stage: row.status === "provisioning" ? (stageOf(row.progressStep) ?? 0) : null,
    message: messageOf(row),
    vmId: row.status === "provisioned" ? (row.vm?.id ?? null) : null,
    actions: actionsOf(row),
  };
}

/** An unpaid order (not held for an operator) can always be paid or cancelled. */
function actionsOf(row: OrderViewRow): OrderView["actions"] {
  const unpaid = (row.status === "awaiting_payment" || row.status === "expired") && !row.flaggedAt;
  return { completePayment: unpaid && (row.status === "awaiting_payment" || row.kind === "new_vm"), cancel: unpaid };
}

/** The order as its owner may see it; null for a missing order or someone else's (callers 404: I5). */
export async function getOrderView(userId: string, orderId: string): Promise<OrderView | null> {
  const row = await db.order.findFirst({ where: { id: orderId, userId }, select: orderViewSelect });
  return row && toOrderView(row);
}
