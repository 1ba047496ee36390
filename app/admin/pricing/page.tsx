import type { Metadata } from "next";
import { requireAdmin } from "@/lib/auth/session";
import { loadResizePricing } from "@/lib/resize/update-resize-pricing";
import { PlanLimitsForm, ResourcePriceForm } from "@/components/admin/resize-pricing-forms";
import { updatePlanLimitsAction, updateResourcePriceAction } from "./actions";

export const metadata: Metadata = { title: "Resize pricing · Admin" };
export const dynamic = "force-dynamic";

const labelOf = (kind: string, stepGb: number) =>
  kind === "vcpu" ? "Each extra vCPU" : kind === "ram_gb" ? "Each extra GB of RAM" : `Each extra ${stepGb} GB of disk`;
const decimal = (minor: number) => (minor / 100).toFixed(2);

export default async function AdminPricingPage() {
  await requireAdmin("/admin/pricing");
  const { prices, plans } = await loadResizePricing();
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">Resize pricing</h1>
      <p className="text-sm text-ink-muted">
        What a customer pays a month for each resource above their plan. A change applies to new quotes; a subscription keeps the price it has until its next
        resize.
      </p>
      <section aria-labelledby="units-heading" className="space-y-3 rounded-lg border border-line p-4">
        <h2 id="units-heading" className="text-lg font-semibold">
          Unit prices
        </h2>
        {prices.map((p) => (
          <ResourcePriceForm
            key={p.kind}
            kind={p.kind}
            label={`${labelOf(p.kind, p.stepGb)} (${p.currency.toUpperCase()})`}
            amount={decimal(p.unitAmountMinor)}
            action={updateResourcePriceAction}
          />
        ))}
        {prices.length === 0 ? <p className="text-sm text-ink-muted">No unit prices yet: run the seed (npm run db:seed).</p> : null}
      </section>
      <section aria-labelledby="limits-heading" className="space-y-4 rounded-lg border border-line p-4">
        <h2 id="limits-heading" className="text-lg font-semibold">
          Plan maximums
        </h2>
        {plans.map((plan) => (
          <div key={plan.id} className="space-y-1">
            <p className="text-sm">
              <strong>{plan.name}</strong>: {plan.vcpus} vCPU · {plan.ramGb} GB RAM · {plan.diskGb} GB disk included
            </p>
            <PlanLimitsForm
              plan={{
                id: plan.id,
                name: plan.name,
                maxVcpus: String(plan.maxVcpus ?? plan.vcpus),
                maxRamGb: String(plan.maxRamGb ?? plan.ramGb),
                maxDiskGb: String(plan.maxDiskGb ?? plan.diskGb),
              }}
              action={updatePlanLimitsAction}
            />
          </div>
        ))}
      </section>
    </div>
  );
}
