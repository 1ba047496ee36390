"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { formatMoney } from "@/lib/format/money";
import { planLimitsSchema, resourcePriceSchema, updatePlanLimits, updateResourcePrice } from "@/lib/resize/update-resize-pricing";

export const updateResourcePriceAction = validatedAdminAction(resourcePriceSchema, async (input, { user }) => {
  const price = await updateResourcePrice(input, user.id);
  revalidatePath("/admin/pricing");
  return { status: "success", message: `Saved: ${formatMoney(price.unitAmountMinor, price.currency)} a month. New quotes use it.` };
});

export const updatePlanLimitsAction = validatedAdminAction(planLimitsSchema, async (input, { user }) => {
  const plan = await updatePlanLimits(input, user.id);
  revalidatePath("/admin/pricing");
  return { status: "success", message: `Saved the maximums of ${plan.name}.` };
});
