// The one place that hears "this customer's email address changed" (after the new address was
// verified and has replaced the old one). What depends on the address follows it in a background
// run: the Cloudflare Access policy of each of the customer's VMs admits only the owner's email
// (issue 23), and Cloudflare is infrastructure, which pages and actions never call (I2).
import { inngest } from "@/lib/jobs/client";
import { userEmailChanged } from "@/lib/jobs/events";

export async function onUserEmailChanged(userId: string, changedAt: Date): Promise<void> {
  await inngest.send(userEmailChanged.once({ userId, changedAt: changedAt.toISOString() }));
}
