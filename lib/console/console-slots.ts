// Open consoles as database rows, so the limits and the "close it now" signal hold across every
// app instance (issue 22, Build 6). A console's socket lives in one process; its token row says
// which instance holds it (`held_by`) and until when (`held_until`, a lease the holder renews every
// second). The limits count live leases under advisory locks; a close request (VM stopped, access
// revoked) is written on the rows by whichever instance notices, and the holder closes its socket
// on its next renewal. A holder that dies stops renewing: its consoles stop counting after the lease.
import { Prisma } from "@/lib/generated/prisma/client";
import type { ConsoleCloseReason } from "@/lib/console/console-rules";
import { db } from "@/lib/db";
import { instanceId } from "@/lib/runtime/instance-id";

/** How long a console counts without its holder renewing it (it renews every RENEW_MS). */
export const CONSOLE_LEASE_MS = 15_000;
export const CONSOLE_RENEW_MS = 1_000;

export type ConsoleHolder = { tokenId: string; userId: string; vmId: string };

/**
 * Takes a console slot for a spent token unless the VM or the user already has the maximum open,
 * on any instance. Two advisory locks (user, then VM: one order everywhere, so no deadlock)
 * serialise the count-and-claim of concurrent openings for the same user or VM.
 */
export async function claimConsoleSlot(console: ConsoleHolder, limits: { maxPerVm: number; maxPerUser: number }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`console:user:${console.userId}`}))`;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`console:vm:${console.vmId}`}))`;
    const [live] = await tx.$queryRaw<Array<{ vm: number; user: number }>>`
      SELECT count(*) FILTER (WHERE vm_id = ${console.vmId})::int AS vm,
             count(*) FILTER (WHERE user_id = ${console.userId})::int AS "user"
        FROM console_tokens
       WHERE (user_id = ${console.userId} OR vm_id = ${console.vmId})
         AND closed_at IS NULL AND held_until > now() AND id <> ${console.tokenId}`;
    if (live.vm >= limits.maxPerVm || live.user >= limits.maxPerUser) return false;
    const { count } = await tx.consoleToken.updateMany({
      where: { id: console.tokenId, closedAt: null },
      data: { heldBy: instanceId(), heldUntil: new Date(Date.now() + CONSOLE_LEASE_MS) },
    });
    return count === 1;
  });
}

/**
 * Renews this instance's leases and answers which of its consoles must close, and why: a close
 * request written by any instance, or our record of the VM no longer running (a backstop for a
 * stop nobody signalled). One statement per second per instance with open consoles.
 */
export async function renewConsoleLeases(tokenIds: string[]): Promise<Array<{ tokenId: string; reason: ConsoleCloseReason }>> {
  if (tokenIds.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ id: string; closeRequest: string | null; vmStatus: string }>>`
    UPDATE console_tokens t SET held_until = now() + make_interval(secs => ${CONSOLE_LEASE_MS / 1000})
      FROM vms v
     WHERE t.id IN (${Prisma.join(tokenIds)}) AND v.id = t.vm_id AND t.closed_at IS NULL
    RETURNING t.id, t.close_request AS "closeRequest", v.status::text AS "vmStatus"`;
  return rows.flatMap((row) => {
    if (row.closeRequest) return [{ tokenId: row.id, reason: row.closeRequest as ConsoleCloseReason }];
    if (row.vmStatus !== "running") return [{ tokenId: row.id, reason: "vm_stopped" as const }];
    return [];
  });
}

/** Asks every instance to close the open consoles of a VM or a user. Returns how many were open. */
export async function requestConsoleClose(filter: { vmId: string } | { userId: string }, reason: ConsoleCloseReason): Promise<number> {
  const { count } = await db.consoleToken.updateMany({
    where: { ...filter, closedAt: null, heldUntil: { gt: new Date() }, closeRequest: null },
    data: { closeRequest: reason },
  });
  return count;
}

/** Live consoles of a VM or user across all instances (for the operator's figures and tests). */
export function countHeldConsoles(filter: { vmId?: string; userId?: string } = {}): Promise<number> {
  return db.consoleToken.count({ where: { ...filter, closedAt: null, heldUntil: { gt: new Date() } } });
}
