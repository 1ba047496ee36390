// The functions served by app/api/inngest/route.ts. One function per file in ./functions.
import type { InngestFunction } from "inngest";
import { checkoutCompletedFunction } from "./functions/checkout-completed";
import { checkoutExpiredFunction } from "./functions/checkout-expired";
import { subscriptionSyncFunction } from "./functions/subscription-sync";
import { vmPowerFunction } from "./functions/vm-power";
import { provisionVmFunction } from "./functions/provision-vm";
import { sweepStuckWorkFunction } from "./functions/sweep-stuck-work";

export const functions: InngestFunction.Any[] = [
  checkoutCompletedFunction,
  checkoutExpiredFunction,
  subscriptionSyncFunction,
  vmPowerFunction,
  provisionVmFunction,
  sweepStuckWorkFunction,
];
