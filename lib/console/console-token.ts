// Console tokens: random, single-use, bound to user + VM + browser session, ≤ 30 s to open, stored
// hashed (DESIGN §3 Console, I5, I9). Issued by the page's server action, consumed by the broker.
import { createHash, randomBytes } from "node:crypto";
import { recordAudit } from "@/lib/audit/record-audit";
import { CONSOLE_TOKEN_PATTERN, CONSOLE_TOKEN_TTL_MS, type ConsoleRefusal } from "@/lib/console/console-rules";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { billingGate } from "@/lib/billing-state/gates";

export const hashSecret = (value: string) => createHash("sha256").update(value).digest("hex");
export const newSecret = () => randomBytes(32).toString("base64url");

export type IssueResult =
  | { kind: "issued"; token: string; tokenId: string; expiresAt: Date }
  | { kind: "not_found" }
  | { kind: "not_running" }
  | { kind: "rate_limited" }
  | { kind: "payment_required"; message: string };

/**
 * A token for the owner's running VM. `binding` is the value of the browser's binding cookie: the
 * broker accepts the token only from a request that carries the same cookie and the same user's
 * session. Every refusal is audited; another user's VM is indistinguishable from none (I5).
 */
export async function issueConsoleToken(input: { userId: string; vmId: string; binding: string; now?: Date }): Promise<IssueResult> {
  const { userId, vmId, binding } = input;
  const now = input.now ?? new Date();
  const token = newSecret();
  const result = await db.$transaction(async (tx): Promise<IssueResult> => {
    // The user row lock serialises one user's concurrent requests, so the rate limit holds.
    const users = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
    const vm = users.length ? await tx.vm.findFirst({ where: { id: vmId, userId }, select: { id: true, status: true, vmid: true, nodeName: true } }) : null;
    if (!vm) return { kind: "not_found" };
    const refuse = async (reason: ConsoleRefusal, kind: "not_running" | "rate_limited") => {
      await recordAudit({ type: "customer", id: userId }, "console.token_refused", { type: "vm", id: vmId }, { reason }, tx);
      return { kind } as IssueResult;
    };
    const recent = await tx.consoleToken.count({ where: { userId, createdAt: { gt: new Date(now.getTime() - 60_000) } } });
    if (recent >= env().CONSOLE_TOKENS_PER_MINUTE) return refuse("rate_limited", "rate_limited");
    // The account's billing state (DESIGN §3: owner, VM and billing state; I6).
    const gate = await billingGate({ userId, vmId, action: "console" }, tx);
    if (!gate.allowed) {
      await recordAudit({ type: "customer", id: userId }, "console.token_refused", { type: "vm", id: vmId }, { reason: "payment_required" }, tx);
      return { kind: "payment_required", message: gate.message };
    }
    if (vm.status !== "running" || vm.vmid === null || !vm.nodeName) return refuse("vm_not_running", "not_running");
    const expiresAt = new Date(now.getTime() + CONSOLE_TOKEN_TTL_MS);
    const row = await tx.consoleToken.create({
      data: { tokenHash: hashSecret(token), bindingHash: hashSecret(binding), userId, vmId, expiresAt, createdAt: now },
      select: { id: true },
    });
    await recordAudit({ type: "customer", id: userId }, "console.token_issued", { type: "vm", id: vmId }, { tokenId: row.id }, tx);
    return { kind: "issued", token, tokenId: row.id, expiresAt };
  });
  return result;
}

export type ConsumeResult =
  | { ok: true; tokenId: string; userId: string; vmId: string; vmid: number; node: string }
  | { ok: false; reason: ConsoleRefusal; tokenId?: string; userId?: string; vmId?: string };

/**
 * Spends a token (the first caller wins: a conditional update on `used_at IS NULL`), then checks
 * it belongs to this browser and user, is fresh, the VM is running and the account may use it.
 * Nothing here calls Proxmox.
 */
export async function consumeConsoleToken(input: {
  token: string | null;
  binding: string | null;
  sessionUserId: string | null;
  now?: Date;
}): Promise<ConsumeResult> {
  const now = input.now ?? new Date();
  if (!input.token) return { ok: false, reason: "no_token" };
  if (!CONSOLE_TOKEN_PATTERN.test(input.token)) return { ok: false, reason: "malformed" };
  const tokenHash = hashSecret(input.token);
  const [row] = await db.consoleToken.updateManyAndReturn({
    where: { tokenHash, usedAt: null },
    data: { usedAt: now },
    select: { id: true, userId: true, vmId: true, bindingHash: true, expiresAt: true },
  });
  if (!row) {
    const spent = await db.consoleToken.findUnique({ where: { tokenHash }, select: { id: true, userId: true, vmId: true } });
    return spent ? { ok: false, reason: "reused", tokenId: spent.id, userId: spent.userId, vmId: spent.vmId } : { ok: false, reason: "unknown" };
  }
  const who = { tokenId: row.id, userId: row.userId, vmId: row.vmId };
  if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired", ...who };
  if (!input.binding || hashSecret(input.binding) !== row.bindingHash) return { ok: false, reason: "wrong_session", ...who };
  if (input.sessionUserId !== row.userId) return { ok: false, reason: "wrong_user", ...who };
  const vm = await db.vm.findFirst({ where: { id: row.vmId, userId: row.userId }, select: { status: true, vmid: true, nodeName: true } });
  if (!vm || vm.status !== "running" || vm.vmid === null || !vm.nodeName) return { ok: false, reason: "vm_not_running", ...who };
  // Asked again at the moment of opening: the account may have been suspended since the click (I6).
  if (!(await billingGate({ userId: row.userId, vmId: row.vmId, action: "console" })).allowed) return { ok: false, reason: "payment_required", ...who };
  return { ok: true, ...who, vmid: vm.vmid, node: vm.nodeName };
}

/** Audits a refusal of the broker's; the subject is the VM when the token named one. */
export async function recordConsoleRefusal(refusal: Extract<ConsumeResult, { ok: false }>) {
  const actor = refusal.userId ? { type: "customer" as const, id: refusal.userId } : { type: "system" as const };
  const subject = refusal.vmId ? { type: "vm", id: refusal.vmId } : { type: "console", id: "unknown" };
  await recordAudit(actor, "console.refused", subject, { reason: refusal.reason, ...(refusal.tokenId ? { tokenId: refusal.tokenId } : {}) });
}

/** Records how a console ended: the row is what the page reads to explain a disconnect. */
export async function recordConsoleEnd(input: {
  tokenId: string;
  userId: string;
  vmId: string;
  reason: string;
  opened: boolean;
  bytesUp: number;
  bytesDown: number;
}) {
  const now = new Date();
  await db.consoleToken.updateMany({ where: { id: input.tokenId, closedAt: null }, data: { closedAt: now, closeReason: input.reason } });
  await recordAudit(
    { type: "customer", id: input.userId },
    input.opened ? "console.closed" : "console.failed",
    { type: "vm", id: input.vmId },
    { tokenId: input.tokenId, reason: input.reason, bytesUp: input.bytesUp, bytesDown: input.bytesDown },
  );
}

export async function recordConsoleOpen(input: { tokenId: string; userId: string; vmId: string }) {
  await db.consoleToken.updateMany({ where: { id: input.tokenId }, data: { openedAt: new Date() } });
  await recordAudit({ type: "customer", id: input.userId }, "console.opened", { type: "vm", id: input.vmId }, { tokenId: input.tokenId });
}
