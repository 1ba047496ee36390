import type { Metadata } from "next";
import { PlanCard } from "@/components/pricing/plan-card";
import { listActivePlans } from "@/lib/catalog/list-plans";
import { getUser } from "@/lib/auth/session";
import { planAvailability } from "@/lib/capacity/find-node-with-room";
import { catalogueTaxNote } from "@/lib/billing/tax-display";

export const metadata: Metadata = { title: "Pricing" };
// Plans come from the database: render per request, never at build time.
export const dynamic = "force-dynamic";

export default async function PricingPage() {
  const [plans, user] = await Promise.all([listActivePlans(), getUser()]);
  const available = await planAvailability(plans);
  const taxNote = catalogueTaxNote();
  const chooseHref = (slug: string) => {
    const next = `/checkout/${slug}`;
    return user ? next : `/sign-up?next=${encodeURIComponent(next)}`;
  };
  return (
    <div className="mx-auto max-w-content px-gutter py-section">
      <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Pricing</h1>
      <p className="mt-3 max-w-2xl text-ink-muted">
        One flat monthly price per machine: dedicated vCPUs, RAM and NVMe disk, SSH through a private tunnel and a browser console. Your VM is built the moment
        your payment clears.
      </p>
      {taxNote ? (
        <p className="mt-2 text-sm text-ink-muted" data-testid="tax-note">
          {taxNote}
        </p>
      ) : null}
      {plans.length ? (
        <div className="mt-10 grid gap-6 sm:grid-cols-2 lg:grid-cols-4">
          {plans.map((plan) => (
            <PlanCard key={plan.id} plan={plan} chooseHref={available[plan.id] ? chooseHref(plan.slug) : null} />
          ))}
        </div>
      ) : (
        <p className="mt-10 rounded-card border border-line bg-surface p-card text-ink-muted">No plans are on sale right now. Please check back soon.</p>
      )}
    </div>
  );
}
