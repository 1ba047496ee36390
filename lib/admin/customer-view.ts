// One customer as the operator sees them (issue 22, Build 1): account, VMs, orders, subscriptions
// with their billing state, invoices (read from Stripe, linked to its dashboard) and the audit
// trail of everything that touched them. Operator-facing: node names and Stripe ids are fine here.
import { db } from "@/lib/db";
import { stripe } from "@/lib/billing/stripe";
import { env } from "@/lib/env";
import { errorFields, log } from "@/lib/observability/log";

/** Where an object lives in Stripe's dashboard (test-mode keys: the test dashboard). */
export function stripeDashboardUrl(kind: "customers" | "subscriptions" | "invoices" | "checkout/sessions", id: string): string {
  const test = env().STRIPE_SECRET_KEY.includes("_test_");
  return `https://dashboard.stripe.com/${test ? "test/" : ""}${kind}/${encodeURIComponent(id)}`;
}

export type CustomerInvoice = {
  id: string;
  number: string | null;
  status: string | null;
  amountDueMinor: number;
  currency: string;
  created: Date;
  url: string;
};

/** The customer's invoices, newest first, from Stripe (null: Stripe could not be asked just now). */
export async function listCustomerInvoices(stripeCustomerId: string | null, limit = 20): Promise<CustomerInvoice[] | null> {
  if (!stripeCustomerId) return [];
  try {
    const page = await stripe().invoices.list({ customer: stripeCustomerId, limit });
    return page.data.map((i) => ({
      id: i.id!,
      number: i.number ?? null,
      status: i.status ?? null,
      amountDueMinor: i.amount_due,
      currency: i.currency,
      created: new Date(i.created * 1000),
      url: stripeDashboardUrl("invoices", i.id!),
    }));
  } catch (error) {
    log("admin").warn({ stripeCustomerId, ...errorFields(error) }, "could not list invoices");
    return null;
  }
}

export async function getCustomer(userId: string) {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, createdAt: true, disabledAt: true, stripeCustomerId: true },
  });
  if (!user) return null;
  const [vms, orders, subscriptions, enforcements] = await Promise.all([
    db.vm.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, include: { plan: { select: { name: true } } } }),
    db.order.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, take: 50, include: { plan: { select: { name: true } } } }),
    db.subscription.findMany({ where: { userId }, orderBy: { createdAt: "desc" } }),
    db.billingEnforcement.findMany({ where: { userId }, select: { id: true, subscriptionId: true, state: true, lastError: true, overdueSince: true } }),
  ]);
  const subjects = [
    { subjectType: "user", subjectId: userId },
    ...vms.map((v) => ({ subjectType: "vm", subjectId: v.id })),
    ...orders.map((o) => ({ subjectType: "order", subjectId: o.id })),
    ...enforcements.map((e) => ({ subjectType: "billing", subjectId: e.id })),
  ];
  const audit = await db.auditEvent.findMany({
    where: { OR: [...subjects, { actorType: "customer", actorId: userId }] },
    orderBy: { createdAt: "desc" },
    take: 100,
  });
  const enforcementBySubscription = new Map(enforcements.map((e) => [e.subscriptionId, e]));
  return {
    user,
    vms,
    orders,
    subscriptions: subscriptions.map((s) => ({
      ...s,
      enforcement: enforcementBySubscription.get(s.id) ?? null,
      url: stripeDashboardUrl("subscriptions", s.stripeSubscriptionId),
    })),
    audit,
    customerUrl: user.stripeCustomerId ? stripeDashboardUrl("customers", user.stripeCustomerId) : null,
  };
}
