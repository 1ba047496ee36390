// The final-failure path of provisioning (I8). The order goes to `failed` at once (cleanup in
// progress: the customer gets a plain message, I4), then each cleanup action is tried, paused with
// backoff and tried again until it confirms its resource gone, for up to CLEANUP_DEADLINE_HOURS.
// The VMID is released last, only when everything derived from it is gone. Past the deadline the
// order's cleanup is `overdue` with what remains: an operator finding on the admin orders page.
// The operator's email goes through the outbox and is retried the same way, so a mail outage
// delays it but does not lose it. `runner` makes each try and each pause an Inngest step (memoised,
// visible in the run's log); the inline runner runs the same sequence in-process.
import { cloudflareRateLimitWaitMs } from "@/lib/access/cloudflare";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { queueBuildFailedEmail } from "@/lib/email/customer-notices";
import { recordAudit } from "@/lib/audit/record-audit";
import { enqueueEmail, tryDeliverEmail } from "@/lib/email/outbox";
import { renderProvisionFailedEmail } from "@/lib/email/templates/provision-failed";
import { transitionOrder } from "@/lib/orders/order-state";
import { failedBuildFields } from "@/lib/orders/refund-failed-order";
import { releaseVmSlots } from "@/lib/proxmox/work-slots";
import { destroyOwnedVm, releaseVmid, removeAccessApplication, removeSnippet, removeTunnelAndDns } from "@/lib/provisioning/cleanup-actions";
import { releaseVmNetwork, removeVmFirewall } from "@/lib/network/release-network";
import { loadOrder } from "@/lib/provisioning/load-order";
import { transitionVm } from "@/lib/vms/vm-state";
import { raiseOperatorAlert } from "@/lib/alerts/raise-operator-alert";

export type CompensationRunner = {
  run: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  sleep: (name: string, ms: number) => Promise<void>;
};

/** Backoff between tries of one action: 5 s doubling to 10 min. */
export const cleanupPauseMs = (turn: number) => Math.min(5_000 * 2 ** (turn - 1), 10 * 60_000);

/** Runs in-process; `maxPauseMs` shortens the pauses (tests). */
export const inlineRunner = (maxPauseMs = Number.POSITIVE_INFINITY): CompensationRunner => ({
  run: (_name, work) => work(),
  sleep: (_name, ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, maxPauseMs))),
});

export type CompensationInput = { orderId: string; attempt: number; error: string };
export type CleanupResult = { action: string; ok: boolean; detail: string };
export type CompensationReport = { outcome: "compensated" | "delivered" | "skipped"; detail: string; cleanup: CleanupResult[]; overdue?: boolean };

/** The host could not give the guest nested virtualization (lib/provisioning/readiness.ts): said plainly, no node named (I4). */
export const NESTED_VIRT_FAILURE_MESSAGE =
  "We could not set up your VM: the server it was placed on could not give it nested virtualization, which lab images need to run their own VMs. Nothing was left half-built; our team has been told.";

/** What the customer reads for a failure: the one reason they should know first, then the refund's words. */
export const customerFailureMessage = (error: string, refundMessage: string) =>
  /nested virtualization missing/.test(error) ? `${NESTED_VIRT_FAILURE_MESSAGE} ${refundMessage}` : refundMessage;

export const operatorEmailKey = (orderId: string, attempt: number) => `provision-failed:${orderId}:${attempt}`;

/** Only the attempt that owns the order compensates: a stale or duplicate run leaves it alone. */
export async function decideCompensation(orderId: string, attempt: number): Promise<{ outcome: CompensationReport["outcome"]; detail: string }> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { status: true, provisionAttempts: true, cleanupStatus: true } });
  if (!order) return { outcome: "skipped", detail: "order not found" };
  if (order.status === "provisioned") return { outcome: "delivered", detail: "the VM was delivered before the failure" };
  const owns =
    (order.status === "provisioning" && order.provisionAttempts === attempt) ||
    (order.status === "paid" && order.provisionAttempts < attempt) ||
    // Failed already with its cleanup unfinished: a re-run (or an operator's cleanup retry) goes on.
    (order.status === "failed" && order.provisionAttempts === attempt && order.cleanupStatus !== null && order.cleanupStatus !== "done");
  if (owns) return { outcome: "compensated", detail: `attempt ${attempt} failed` };
  return { outcome: "skipped", detail: `order is ${order.status} at attempt ${order.provisionAttempts}, not this attempt (${attempt})` };
}

const describeCleanup = (cleanup: CleanupResult[]) => cleanup.map((c) => `${c.action}: ${c.ok ? "ok" : "FAILED"} (${c.detail})`);

/** `failed` at once, cleanup in progress until the deadline; a replay changes nothing. */
export async function markProvisioningFailed(input: CompensationInput): Promise<boolean> {
  const { vm } = await loadOrder(input.orderId);
  if (vm) await transitionVm(vm.id, "provisioning", "failed");
  // The truth, with a date (I11): retried until then, refunded in full by it.
  const refund = await failedBuildFields(input.orderId);
  const moved = await transitionOrder(input.orderId, ["provisioning", "paid"], "failed", {
    failureReason: `Attempt ${input.attempt} failed: ${input.error}\nCleanup in progress.`.slice(0, 4000),
    customerMessage: customerFailureMessage(input.error, refund.customerMessage),
    refundDeadlineAt: refund.refundDeadlineAt,
    failedAt: new Date(),
    progressStep: null,
    cleanupStatus: "in_progress",
    cleanupDeadlineAt: new Date(Date.now() + env().CLEANUP_DEADLINE_HOURS * 3_600_000),
    cleanupRemaining: null,
    // Set even when the run failed before claiming the order, so a retry gets a fresh event id.
    provisionAttempts: input.attempt,
  });
  if (moved)
    await recordAudit({ type: "system" }, "order.provisioning_failed", { type: "order", id: input.orderId }, { attempt: input.attempt, error: input.error });
  return moved;
}

/** `waitMs`: Cloudflare's rate limit said how long every call stays blocked; the next try waits that long. */
type Try = CleanupResult & { overdue: boolean; waitMs?: number };

async function tryOnce(orderId: string, action: string, work: () => Promise<string>): Promise<Try> {
  let result: CleanupResult & { waitMs?: number };
  try {
    result = { action, ok: true, detail: await work() };
  } catch (error) {
    const waitMs = cloudflareRateLimitWaitMs(error);
    result = { action, ok: false, detail: error instanceof Error ? error.message : String(error), ...(waitMs !== null ? { waitMs } : {}) };
  }
  // Read inside the step, so a replay of the run takes the same path.
  const order = await db.order.findUnique({ where: { id: orderId }, select: { cleanupDeadlineAt: true } });
  return { ...result, overdue: !result.ok && !!order?.cleanupDeadlineAt && Date.now() >= order.cleanupDeadlineAt.getTime() };
}

/**
 * Inngest fails a run past 1,000 steps, so each action has at most CLEANUP_TURNS tries (a step and
 * a pause each). The pauses grow 5 s doubling, and are capped so that the tries reach the deadline
 * within that count whatever CLEANUP_DEADLINE_HOURS is: 1 h for the default 24 h.
 */
// Sized with the action list: every action's worst case together stays under half Inngest's step limit.
export const CLEANUP_TURNS = 25;
export const OPERATOR_EMAIL_TRIES = 44;
const cleanupPauseCapMs = () => Math.max(3_600_000, Math.ceil((env().CLEANUP_DEADLINE_HOURS * 3_600_000) / (CLEANUP_TURNS - 12)));
const cleanupTurnPauseMs = (turn: number) => Math.min(5_000 * 2 ** (turn - 1), cleanupPauseCapMs());

/** Worst-case steps of one compensation: every action tried CLEANUP_TURNS times, the email likewise. */
export function compensationStepBudget(actions = ACTIONS.length + 1): number {
  return 3 + actions * (2 * CLEANUP_TURNS - 1) + 1 + (2 * OPERATOR_EMAIL_TRIES - 1);
}

/** Tries `work` until it succeeds or the cleanup deadline passes (then one try only). */
async function untilDone(runner: CompensationRunner, orderId: string, action: string, work: () => Promise<string>, overdueAlready: boolean): Promise<Try> {
  for (let turn = 1; ; turn++) {
    const result = await runner.run(turn === 1 ? action : `${action} ${turn}`, () => tryOnce(orderId, action, work));
    if (result.ok || result.overdue || overdueAlready) return result;
    // The pauses are sized to reach the deadline by now; a slow clock must not run past the budget.
    if (turn >= CLEANUP_TURNS) return { ...result, overdue: true };
    await runner.sleep(`pause before ${action} ${turn + 1}`, Math.max(cleanupTurnPauseMs(turn), result.waitMs ?? 0));
  }
}

/** Done or overdue: the order says so, with what remains, and the operator's record is written. */
export async function finishCleanup(input: CompensationInput, cleanup: CleanupResult[]): Promise<{ status: "done" | "overdue" }> {
  const leftovers = cleanup.filter((c) => !c.ok);
  const status = leftovers.length ? "overdue" : "done";
  const summary = leftovers.length ? `Cleanup overdue, left behind: ${describeCleanup(leftovers).join("; ")}` : "Cleanup complete: nothing left behind.";
  const { vm } = await loadOrder(input.orderId);
  if (vm && status === "done") await releaseVmSlots(vm.id);
  const { count } = await db.order.updateMany({
    where: { id: input.orderId, status: "failed", provisionAttempts: input.attempt, cleanupStatus: { in: ["in_progress", "overdue"] } },
    data: {
      cleanupStatus: status,
      cleanupRemaining: leftovers.length ? describeCleanup(leftovers).join("\n").slice(0, 4000) : null,
      failureReason: `Attempt ${input.attempt} failed: ${input.error}\n${summary}`.slice(0, 4000),
    },
  });
  if (count === 1) {
    await recordAudit(
      { type: "system" },
      status === "done" ? "order.cleanup_finished" : "order.cleanup_overdue",
      { type: "order", id: input.orderId },
      { attempt: input.attempt, cleanup },
    );
    // Issue 22: a failed order whose cleanup ran past its deadline needs the operator.
    if (status === "overdue")
      await raiseOperatorAlert({
        kind: "provisioning_overdue",
        subject: input.orderId,
        title: `Cleanup overdue for failed order ${input.orderId}`,
        detail: summary,
        link: `/admin/orders/${input.orderId}`,
        // queueOperatorEmail sends the failure's own operator email with what remains.
        emailedElsewhere: true,
      });
  }
  return { status };
}

export async function queueOperatorEmail(input: CompensationInput, cleanup: CleanupResult[], delivered: boolean): Promise<string> {
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
  const key = operatorEmailKey(input.orderId, input.attempt);
  await enqueueEmail({ key, to: OPERATOR_EMAIL, ...email });
  return key;
}

/** Queued first, then delivered with retries: a mail outage delays the operator's email, never drops it. */
async function emailOperator(runner: CompensationRunner, input: CompensationInput, cleanup: CleanupResult[], delivered: boolean) {
  const key = await runner.run("queue operator email", () => queueOperatorEmail(input, cleanup, delivered));
  // ~6 h of mail outage (5 s doubling to 10 min); past that the email stays in the outbox, and the
  // order's cleanup status (admin orders page) says the same.
  for (let turn = 1; turn <= OPERATOR_EMAIL_TRIES; turn++) {
    const sent = await runner.run(turn === 1 ? "send operator email" : `send operator email ${turn}`, () => tryDeliverEmail(key));
    if (sent.done || turn === OPERATOR_EMAIL_TRIES) return;
    await runner.sleep(`pause before send operator email ${turn + 1}`, cleanupPauseMs(turn));
  }
}

// The VM goes first: its cloudflared holds the tunnel's connections and would reconnect after
// they were removed, so the tunnel is deleted once nothing runs the connector (and with cascade).
const ACTIONS: Array<[string, (orderId: string) => Promise<string>]> = [
  ["destroy vm", (orderId) => destroyOwnedVm(orderId)],
  ["delete tunnel and dns", removeTunnelAndDns],
  ["delete access application", removeAccessApplication],
  ["delete cloud-init snippet", removeSnippet],
  // Issue 26: what the VMID's firewall file held, then the customer's network if it was their last VM.
  ["remove vm firewall", removeVmFirewall],
  ["release network", releaseVmNetwork],
];

export async function compensateProvisioning(input: CompensationInput, runner: CompensationRunner = inlineRunner()): Promise<CompensationReport> {
  const { orderId } = input;
  const decision = await runner.run("decide compensation", () => decideCompensation(orderId, input.attempt));
  if (decision.outcome === "skipped") return { ...decision, cleanup: [] };
  if (decision.outcome === "delivered") {
    await emailOperator(runner, input, [], true);
    return { ...decision, cleanup: [] };
  }
  await runner.run("mark order failed", () => markProvisioningFailed(input));
  // The customer hears it too, in plain words (I4), once per attempt; the outbox drainer delivers it.
  await runner.run("queue customer build failed email", () => queueBuildFailedEmail(orderId, input.attempt));

  const cleanup: CleanupResult[] = [];
  let overdue = false;
  for (const [action, work] of ACTIONS) {
    const result = await untilDone(runner, orderId, action, () => work(orderId), overdue);
    overdue ||= result.overdue || !result.ok;
    cleanup.push({ action: result.action, ok: result.ok, detail: result.detail });
  }
  // Last, and only when all the rest is confirmed gone: the VMID is what the names derive from.
  if (cleanup.every((c) => c.ok)) {
    const released = await untilDone(runner, orderId, "release vmid", () => releaseVmid(orderId), overdue);
    cleanup.push({ action: released.action, ok: released.ok, detail: released.detail });
  } else {
    cleanup.push({ action: "release vmid", ok: false, detail: "VMID kept until everything derived from it is gone" });
  }
  const finished = await runner.run("finish cleanup", () => finishCleanup(input, cleanup));
  await emailOperator(runner, input, cleanup, false);
  return { ...decision, cleanup, overdue: finished.status === "overdue" };
}
