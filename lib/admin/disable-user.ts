// An operator disables an account: sign-in is refused from then on and every session ends at once.
// Race-safe (only a row not yet disabled is changed) and audited; VMs and billing are untouched
// (enforcement is a separate ladder, I6).
import { z } from "zod";
import { db } from "@/lib/db";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";
import { endUserSessions } from "@/lib/auth/auth-session";

export const disableUserSchema = z.object({ userId: z.string().trim().min(1, "Missing account.").max(64, "Unknown account.") });

export async function disableUser({ userId, adminId }: { userId: string; adminId: string }, now = new Date()) {
  if (userId === adminId) throw new UserFacingError("You cannot disable your own account.");
  return db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id: userId, disabledAt: null }, data: { disabledAt: now } });
    if (count === 0) {
      const exists = await tx.user.count({ where: { id: userId } });
      throw new UserFacingError(exists ? "This account is already disabled." : "Unknown account.");
    }
    const endedSessions = await endUserSessions(userId, undefined, tx);
    await recordAudit({ type: "admin", id: adminId }, "user.disabled", { type: "user", id: userId }, { endedSessions }, tx);
    return { endedSessions };
  });
}
