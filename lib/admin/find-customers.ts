// Finding a customer (issue 22, Build 1) by what an operator has in hand: an email or a name (or a
// part of one), a VM's name or hostname, or a Stripe id (customer, subscription, checkout session,
// invoice of a resize). Case-insensitive; exact for ids.
import { z } from "zod";
import { db } from "@/lib/db";

export const customerSearchSchema = z.object({ q: z.string().trim().max(200, "Search for at most 200 characters.").default("") });

export async function findCustomers(query: string, limit = 50) {
  const q = query.trim();
  if (q.length < 2) return [];
  const contains = { contains: q, mode: "insensitive" as const };
  const [byVm, bySubscription, byOrder, byResize] = await Promise.all([
    db.vm.findMany({
      where: { OR: [{ name: contains }, { sshHostname: contains }, { webHostname: contains }, { id: q }] },
      select: { userId: true },
      take: limit,
    }),
    db.subscription.findMany({
      where: { OR: [{ stripeSubscriptionId: q }, { stripeCustomerId: q }, { latestInvoiceId: q }] },
      select: { userId: true },
      take: limit,
    }),
    db.order.findMany({
      where: { OR: [{ id: q }, { stripeCheckoutSessionId: q }, { stripeSubscriptionId: q }, { hostname: contains }] },
      select: { userId: true },
      take: limit,
    }),
    db.resizeRequest.findMany({ where: { stripeInvoiceId: q }, select: { userId: true }, take: limit }),
  ]);
  const ids = [...new Set([...byVm, ...bySubscription, ...byOrder, ...byResize].map((r) => r.userId))];
  return db.user.findMany({
    where: { OR: [{ email: contains }, { name: contains }, { stripeCustomerId: q }, { id: q }, { id: { in: ids } }] },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: limit,
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      createdAt: true,
      disabledAt: true,
      stripeCustomerId: true,
      _count: { select: { vms: true, orders: true } },
    },
  });
}
