// What the pages say about tax. With STRIPE_AUTOMATIC_TAX the catalogue prices are tax-exclusive
// (the doctor checks Stripe Tax's default tax behavior is `exclusive`) and Stripe Tax adds the tax at
// checkout from the billing address; without it, prices are what is charged.
import { env } from "@/lib/env";

export const PRICES_EXCLUDE_TAX_NOTE = "Prices exclude tax: tax is calculated at checkout from your billing address.";

/** The note for pages that show catalogue prices, or null when no tax is added to them. */
export function catalogueTaxNote(): string | null {
  return env().STRIPE_AUTOMATIC_TAX ? PRICES_EXCLUDE_TAX_NOTE : null;
}
