// The final-failure path of provisioning (I8): undo what this attempt created, then put the order
// in `failed` with a reason for the operator and a plain message for the customer (I4), and tell
// the operator. Every action runs even when an earlier one fails; failures are collected, written
// into the reason and the operator's email, and leave their records in place for a later retry.
// `run` wraps each action as an Inngest step in the onFailure handler (memoised, visible in the
// run's log); called without it, the same sequence runs inline.
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { recordAudit } from "@/lib/audit/record-audit";
import { sendEmailOnce } from "@/lib/email/outbox";
import { renderProvisionFailedEmail } from "@/lib/email/templates/provision-failed";
import { transitionOrder } from "@/lib/orders/order-state";
import { destroyOwnedVm, releaseVmid, removeSnippet, removeTunnelAndDns } from "@/lib/provisioning/cleanup-actions";
import { loadOrder } from "@/lib/provisioning/load-order";
import { transitionVm } from "@/lib/vms/vm-state";

export type StepRunner = <T>(name: string, work: () => Promise<T>) => Promise<T>;
const inline: StepRunner = (_name, work) => work();

export type CompensationInput = { orderId: string; attempt: number; error: string };
export type CleanupResult = { action: string; ok: boolean; detail: string };
export type CompensationReport = { outcome: "compensated" | "delivered" | "skipped"; detail: string; cleanup: CleanupResult[] };

/** What the customer sees: plain, no upstream text, no hypervisor detail (I4). */
export const CUSTOMER_FAILURE_MESSAGE =
  "We could not set up your VM. Our team has been notified and will fix it; you will not be charged for a VM you do not get.";

export const operatorEmailKey = (orderId: string, attempt: number) => `provision-failed:${orderId}:${attempt}`;

/** Only the attempt that owns the order compensates: a stale or duplicate run leaves it alone. */
export async function decideCompensation(orderId: string, attempt: number): Promise<{ outcome: CompensationReport["outcome"]; detail: string }> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { status: true, provisionAttempts: true } });
  if (!order) return { outcome: "skipped", detail: "order not found" };
  if (order.status === "provisioned") return { outcome: "delivered", detail: "the VM was delivered before the failure" };
  const owns =
    (order.status === "provisioning" && order.provisionAttempts === attempt) || (order.status === "paid" && order.provisionAttempts < attempt);
  if (owns) return { outcome: "compensated", detail: `attempt ${attempt} failed` };
  return { outcome: "skipped", detail: `order is ${order.status} at attempt ${order.provisionAttempts}, not this attempt (${attempt})` };
}

async function attempt(action: string, work: () => Promise<string>): Promise<CleanupResult> {
  try {
    return { action, ok: true, detail: await work() };
  } catch (error) {
    return { action, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

const describeCleanup = (cleanup: CleanupResult[]) => cleanup.map((c) => `${c.action}: ${c.ok ? "ok" : "FAILED"} (${c.detail})`);

export async function markProvisioningFailed(input: CompensationInput, cleanup: CleanupResult[]): Promise<boolean> {
  const { vm } = await loadOrder(input.orderId);
  const leftovers = cleanup.filter((c) => !c.ok);
  const failureReason = [
    `Attempt ${input.attempt} failed: ${input.error}`,
    leftovers.length ? `Cleanup incomplete: ${describeCleanup(leftovers).join("; ")}` : "Cleanup complete: nothing left behind.",
  ].join("\n").slice(0, 4000);
  if (vm) await transitionVm(vm.id, "provisioning", "failed");
  const moved = await transitionOrder(input.orderId, ["provisioning", "paid"], "failed", {
    failureReason,
    customerMessage: CUSTOMER_FAILURE_MESSAGE,
    failedAt: new Date(),
    progressStep: null,
    // Set even when the run failed before claiming the order, so a retry gets a fresh event id.
    provisionAttempts: input.attempt,
  });
  if (moved) {
    await recordAudit({ type: "system" }, "order.provisioning_failed", { type: "order", id: input.orderId }, { attempt: input.attempt, error: input.error, cleanup });
  }
  return moved;
}

export async function emailOperator(input: CompensationInput, cleanup: CleanupResult[], delivered: boolean) {
  const order = await loadOrder(input.orderId);
  const { APP_URL, OPERATOR_EMAIL } = env();
  const email = renderProvisionFailedEmail({
    orderId: input.orderId,
    attempt: input.attempt,
    customerEmail: order.user.email,
    planName: order.plan.name,
    reason: input.error,
    cleanup: describeCleanup(cleanup),
    adminUrl: `${APP_URL.replace(/\/$/, "")}/admin/orders`,
    delivered,
  });
  return sendEmailOnce({ key: operatorEmailKey(input.orderId, input.attempt), to: OPERATOR_EMAIL, ...email });
}

export async function compensateProvisioning(input: CompensationInput, run: StepRunner = inline): Promise<CompensationReport> {
  const { orderId } = input;
  const decision = await run("decide compensation", () => decideCompensation(orderId, input.attempt));
  if (decision.outcome === "skipped") return { ...decision, cleanup: [] };
  if (decision.outcome === "delivered") {
    await run("email operator", () => emailOperator(input, [], true));
    return { ...decision, cleanup: [] };
  }
  // DNS and tunnel first: the names are derived from the VMID, which release clears last.
  const cleanup: CleanupResult[] = [];
  cleanup.push(await run("delete tunnel and dns", () => attempt("delete tunnel and dns", () => removeTunnelAndDns(orderId))));
  cleanup.push(await run("delete cloud-init snippet", () => attempt("delete cloud-init snippet", () => removeSnippet(orderId))));
  const destroyed = await run("destroy vm", () => attempt("destroy vm", () => destroyOwnedVm(orderId)));
  cleanup.push(destroyed);
  cleanup.push(await run("release vmid", () => attempt("release vmid", () => releaseVmid(orderId, destroyed.ok))));
  await run("mark order failed", () => markProvisioningFailed(input, cleanup));
  await run("email operator", () => emailOperator(input, cleanup, false));
  return { ...decision, cleanup };
}
