// What happened to one order, in order (issue 22, Build 1): its Stripe events (id, type, received,
// forwarded to Inngest), the Inngest runs they and our own events started (each step: the Proxmox
// and Cloudflare operations of provisioning, power and resize are one step each), the audit trail
// of the order, its VM and its subscription, and the emails sent about them.
import { db } from "@/lib/db";
import { orderPaid, resizeApplyRequested, vmPowerRequested } from "@/lib/jobs/events";
import { localRunsPage, runsForEvents } from "@/lib/admin/inngest-runs";
import { stripeDashboardUrl } from "@/lib/admin/customer-view";

export async function getOrderTimeline(orderId: string) {
  const order = await db.order.findUnique({
    where: { id: orderId },
    include: { user: { select: { id: true, email: true, name: true } }, plan: { select: { name: true } }, vm: true, subscription: true },
  });
  if (!order) return null;
  const vm = order.vm;
  const [resizes, powerRequests, enforcement] = await Promise.all([
    vm ? db.resizeRequest.findMany({ where: { vmId: vm.id }, orderBy: { createdAt: "desc" } }) : [],
    vm ? db.powerRequest.findMany({ where: { vmId: vm.id }, orderBy: { createdAt: "desc" }, take: 50 }) : [],
    db.billingEnforcement.findUnique({ where: { orderId }, select: { id: true, state: true, lastError: true } }),
  ]);
  // The Stripe objects this order's events are about: its checkout session, its subscription, and
  // the invoices we know of (the subscription's latest, each resize's).
  const objectIds = [
    order.stripeCheckoutSessionId,
    order.flaggedCheckoutSessionId,
    order.stripeSubscriptionId,
    order.subscription?.latestInvoiceId,
    ...resizes.map((r) => r.stripeInvoiceId),
  ].filter((id): id is string => Boolean(id));
  const stripeEvents = objectIds.length
    ? await db.stripeEvent.findMany({ where: { objectId: { in: objectIds } }, orderBy: { receivedAt: "asc" }, take: 200 })
    : [];
  const subjects = [
    { subjectType: "order", subjectId: order.id },
    ...(vm ? [{ subjectType: "vm", subjectId: vm.id }] : []),
    ...(enforcement ? [{ subjectType: "billing", subjectId: enforcement.id }] : []),
    ...resizes.map((r) => ({ subjectType: "resize", subjectId: r.id })),
  ];
  const [audit, emails] = await Promise.all([
    db.auditEvent.findMany({ where: { OR: subjects }, orderBy: { createdAt: "asc" }, take: 300 }),
    db.emailOutbox.findMany({
      where: { OR: [order.id, vm?.id, enforcement?.id].filter((id): id is string => Boolean(id)).map((id) => ({ key: { contains: id } })) },
      orderBy: { createdAt: "asc" },
      select: { key: true, to: true, subject: true, status: true, createdAt: true, sentAt: true, providerId: true },
    }),
  ]);
  const inngestEventIds = [
    ...stripeEvents.map((e) => e.id),
    ...Array.from({ length: Math.max(order.provisionAttempts, 1) }, (_, i) => orderPaid.idOf({ orderId: order.id, attempt: i + 1 })),
    ...powerRequests.map((p) => vmPowerRequested.idOf({ powerRequestId: p.id, vmId: p.vmId })),
    ...resizes.flatMap((r) =>
      Array.from({ length: r.applyAttempt }, (_, i) => resizeApplyRequested.idOf({ resizeRequestId: r.id, vmId: r.vmId, attempt: i + 1 })),
    ),
  ];
  const runs = await runsForEvents(inngestEventIds);
  return {
    order,
    vm,
    enforcement,
    resizes,
    powerRequests,
    stripeEvents,
    audit,
    emails,
    runs,
    runsPage: localRunsPage(order.id),
    stripeLinks: {
      checkout: order.stripeCheckoutSessionId ? stripeDashboardUrl("checkout/sessions", order.stripeCheckoutSessionId) : null,
      subscription: order.stripeSubscriptionId ? stripeDashboardUrl("subscriptions", order.stripeSubscriptionId) : null,
    },
  };
}
