// An operator gives a disabled account its sign-in back (the reverse of disable-user.ts): race-safe
// (only a disabled row changes) and audited. Sessions ended by the disable stay ended: the customer
// signs in again.
import { z } from "zod";
import { db } from "@/lib/db";
import { UserFacingError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record-audit";

export const enableUserSchema = z.object({ userId: z.string().trim().min(1, "Missing account.").max(64, "Unknown account.") });

export async function enableUser({ userId, adminId }: { userId: string; adminId: string }) {
  return db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id: userId, disabledAt: { not: null } }, data: { disabledAt: null } });
    if (count === 0) {
      const exists = await tx.user.count({ where: { id: userId } });
      throw new UserFacingError(exists ? "This account is not disabled." : "Unknown account.");
    }
    await recordAudit({ type: "admin", id: adminId }, "user.enabled", { type: "user", id: userId }, {}, tx);
  });
}
