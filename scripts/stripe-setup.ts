// `npm run stripe:setup`: the product's portal configuration and the catalogue's prices in the
// configured Stripe account, created once (lib/billing/setup-stripe.ts). Safe to run again.
import { setupStripe } from "../lib/billing/setup-stripe";
import { db } from "../lib/db";

const setup = await setupStripe();
console.log(`portal configuration  ${setup.portalConfiguration}`);
for (const { lookupKey, price } of setup.prices) console.log(`price  ${lookupKey.padEnd(34)} ${price}`);
await db.$disconnect();
