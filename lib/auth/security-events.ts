// Security events of an account, as the customer sees them on /account. They are audit events
// (subject: the user), written where each thing happens; this module names them and reads them.
import { db } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record-audit";

export const SECURITY_EVENTS = {
  "user.signed_in": "Signed in",
  "user.sign_in_failed_burst": "Several failed sign-in attempts (sign-in paused)",
  "user.password_changed": "Password changed",
  "user.password_reset_requested": "Password reset requested",
  "user.password_reset": "Password reset with an email link",
  "user.email_verified": "Email address confirmed",
  "user.email_change_requested": "Email change requested",
  "user.email_changed": "Email address changed",
  "user.2fa_enabled": "Two-factor sign-in turned on",
  "user.2fa_disabled": "Two-factor sign-in turned off",
  "user.recovery_code_used": "Recovery code used to sign in",
  "user.session_ended": "Signed out a browser",
  "user.other_sessions_ended": "Signed out every other browser",
  "user.disabled": "Account disabled by the operator",
} as const;

export type SecurityEvent = keyof typeof SECURITY_EVENTS;

type Client = Pick<typeof db, "auditEvent">;

export function recordSecurityEvent(userId: string, event: SecurityEvent, data: Record<string, string | number | boolean | null> = {}, client: Client = db) {
  return recordAudit({ type: "customer", id: userId }, event, { type: "user", id: userId }, data, client);
}

/** The account's latest security events, newest first, in the customer's words. */
export async function listSecurityEvents(userId: string, take = 20) {
  const rows = await db.auditEvent.findMany({
    where: { subjectType: "user", subjectId: userId, action: { in: Object.keys(SECURITY_EVENTS) } },
    orderBy: { createdAt: "desc" },
    take,
    select: { id: true, action: true, createdAt: true, data: true },
  });
  return rows.map((r) => {
    const data = (r.data ?? {}) as Record<string, unknown>;
    return { id: r.id, at: r.createdAt, label: SECURITY_EVENTS[r.action as SecurityEvent], device: typeof data.device === "string" ? data.device : null };
  });
}
