import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { flagParam, parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { getOrderView, PROVISION_STAGES } from "@/lib/orders/order-view";
import { OrderStatusPanel } from "@/components/orders/order-status";
import { cancelOrderAction, completePaymentAction } from "./actions";

export const metadata: Metadata = { title: "Your order" };

type Props = { params: Promise<{ id: string }>; searchParams: Promise<RawSearchParams> };

const searchSchema = z.object({ canceled: flagParam });

export default async function OrderPage({ params, searchParams }: Props) {
  const [{ id }, search] = await Promise.all([params, searchParams]);
  const { canceled } = parseSearchParams(searchSchema, search);
  const user = await requireUser(`/orders/${encodeURIComponent(id)}`);
  const view = await getOrderView(user.id, id);
  if (!view) notFound(); // missing and someone else's look the same (I5)
  // `session_id` from Stripe's success redirect is ignored on purpose: only the webhook, re-checked
  // against Stripe, moves an order to paid (I1).
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <OrderStatusPanel initial={view} canceled={canceled} stages={PROVISION_STAGES} actions={{ complete: completePaymentAction, cancel: cancelOrderAction }} />
    </div>
  );
}
