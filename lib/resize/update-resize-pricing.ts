// The operator's resize pricing (issue 10 §1): the monthly price of one extra unit of each
// resource, and each plan's maximums. Validated field by field (I10), one conditional write,
// audited with the values before and after. A new unit amount reaches Stripe on the next quote
// (ensureResourcePrice makes a new price and moves the lookup key to it); subscriptions on the old
// price keep it until they are next changed, as Stripe prices work.
import { z } from "zod";
import { FieldError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { RESOURCE_KINDS } from "@/lib/resize/resize-pricing";

/** "4", "4.5" or "4.50" (the plan's currency) → minor units. */
const amount = z
  .string()
  .trim()
  .regex(/^\d{1,5}(\.\d{1,2})?$/, "Enter an amount such as 4 or 4.50.")
  .transform((v) => Math.round(Number(v) * 100))
  .refine((minor) => minor > 0, "A price must be more than zero.");

export const resourcePriceSchema = z.object({
  kind: z.enum(RESOURCE_KINDS, { error: "Unknown resource." }),
  amount,
});

export async function updateResourcePrice(input: z.output<typeof resourcePriceSchema>, adminId: string) {
  const before = await db.resourcePrice.findUnique({ where: { kind: input.kind } });
  if (!before) throw new FieldError("kind", "This resource is not priced yet.");
  if (before.unitAmountMinor === input.amount) return before;
  const after = await db.resourcePrice.update({ where: { kind: input.kind }, data: { unitAmountMinor: input.amount } });
  await recordAudit(
    { type: "admin", id: adminId },
    "pricing.resource_price_updated",
    { type: "resource_price", id: before.id },
    { kind: input.kind, fromMinor: before.unitAmountMinor, toMinor: after.unitAmountMinor, currency: after.currency },
  );
  return after;
}

const limit = (label: string, cap: number) =>
  z.coerce
    .number({ error: `Enter the most ${label} as a whole number.` })
    .int(`Enter the most ${label} as a whole number.`)
    .positive(`Enter the most ${label} as a whole number.`)
    .max(cap, `At most ${cap}.`);

export const planLimitsSchema = z.object({
  planId: z.string().trim().min(1, "Missing plan.").max(64, "Unknown plan."),
  maxVcpus: limit("vCPUs", 256),
  maxRamGb: limit("GB of RAM", 2048),
  maxDiskGb: limit("GB of disk", 20_000),
});

/** A plan's maximums; never below the plan's own size (its VMs start there). */
export async function updatePlanLimits(input: z.output<typeof planLimitsSchema>, adminId: string) {
  const plan = await db.plan.findUnique({ where: { id: input.planId } });
  if (!plan) throw new FieldError("planId", "This plan no longer exists.");
  if (input.maxVcpus < plan.vcpus) throw new FieldError("maxVcpus", `The plan itself has ${plan.vcpus} vCPUs.`);
  if (input.maxRamGb < plan.ramGb) throw new FieldError("maxRamGb", `The plan itself has ${plan.ramGb} GB of RAM.`);
  if (input.maxDiskGb < plan.diskGb) throw new FieldError("maxDiskGb", `The plan itself has ${plan.diskGb} GB of disk.`);
  const { planId, ...limits } = input;
  const after = await db.plan.update({ where: { id: planId }, data: limits });
  await recordAudit(
    { type: "admin", id: adminId },
    "pricing.plan_limits_updated",
    { type: "plan", id: planId },
    { before: { maxVcpus: plan.maxVcpus, maxRamGb: plan.maxRamGb, maxDiskGb: plan.maxDiskGb }, after: limits },
  );
  return after;
}

/** What /admin/pricing shows. */
export async function loadResizePricing() {
  const [prices, plans] = await Promise.all([
    db.resourcePrice.findMany({ orderBy: { kind: "asc" } }),
    db.plan.findMany({
      where: { active: true },
      orderBy: [{ labType: "asc" }, { monthlyPriceMinor: "asc" }],
      select: { id: true, name: true, vcpus: true, ramGb: true, diskGb: true, maxVcpus: true, maxRamGb: true, maxDiskGb: true },
    }),
  ]);
  return { prices, plans };
}
