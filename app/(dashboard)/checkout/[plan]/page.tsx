import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { findOrderablePlan, SAVED_KEY_FIELD_PREFIX, suggestHostname } from "@/lib/orders/create-order";
import { planAvailability } from "@/lib/capacity/find-node-with-room";
import { listSshKeys } from "@/lib/ssh-keys/list-ssh-keys";
import { labTypeLabel } from "@/lib/catalog/list-plans";
import { CheckoutForm } from "@/components/orders/checkout-form";
import { buttonStyles } from "@/components/ui/button-styles";
import { checkoutAction } from "./actions";
import { VerifyEmailNotice } from "@/components/account/verify-email-notice";
import { resendVerificationAction } from "../../account/actions";
import { UNVERIFIED_CHECKOUT_REASON } from "@/lib/auth/email-verification";

export const metadata: Metadata = { title: "Checkout" };

export default async function CheckoutPage({ params }: { params: Promise<{ plan: string }> }) {
  const { plan: slug } = await params;
  const user = await requireUser(`/checkout/${encodeURIComponent(slug)}`);
  const plan = await findOrderablePlan(slug);
  if (!plan) notFound();
  const [keys, availability] = await Promise.all([listSshKeys(user.id), planAvailability([plan])]);
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <p className="text-xs font-semibold uppercase tracking-wide text-brand-700">{labTypeLabel[plan.labType]}</p>
      <h1 className="mt-1 text-2xl font-bold tracking-tight">Order {plan.name}</h1>
      <p className="mt-1 text-sm text-ink-muted">
        {plan.vcpus} vCPU · {plan.ramGb} GB RAM · {plan.diskGb} GB disk. Your VM is built once Stripe confirms the payment.
      </p>
      {user.emailVerified ? null : <VerifyEmailNotice email={user.email} resend={resendVerificationAction} reason={UNVERIFIED_CHECKOUT_REASON} />}
      {availability[plan.id] ? (
        <div className="mt-8 max-w-2xl rounded-card border border-line bg-surface p-card shadow-card">
          <CheckoutForm
            action={checkoutAction}
            plan={{ slug: plan.slug, monthlyPriceMinor: plan.monthlyPriceMinor, yearlyPriceMinor: plan.yearlyPriceMinor, currency: plan.currency }}
            keys={keys.map((k) => ({
              id: k.id,
              field: `${SAVED_KEY_FIELD_PREFIX}${k.id}`,
              name: k.name,
              fingerprint: k.fingerprint,
              keyType: k.keyType,
              bits: k.bits,
            }))}
            defaultHostname={suggestHostname(plan.slug)}
          />
        </div>
      ) : (
        <div className="mt-8 max-w-2xl rounded-card border border-warning-600/30 bg-warning-50 p-card" data-testid="sold-out">
          <p className="font-semibold text-warning-700">Sold out</p>
          <p className="mt-1 text-sm text-ink-muted">Every machine that can run this plan is taken right now. Please pick another plan or check back later.</p>
          <Link href="/pricing" className={`${buttonStyles.secondary} mt-4`}>
            See other plans
          </Link>
        </div>
      )}
    </div>
  );
}
