// The one place that hears "this customer's email address changed" (after the new address was
// verified and has replaced the old one). What depends on the address subscribes here: the
// Cloudflare Access policy of each of the customer's VMs admits only the owner's email (issue 23),
// and its sync is wired in at merge. Today nothing else depends on it.
export async function onUserEmailChanged(userId: string): Promise<void> {
  void userId;
}
