// Sessions end server-side: getUser() (lib/auth/session.ts) believes a cookie only while its
// session row lives. Auth.js's auth() is replaced by a settable cookie; everything else is real.
import { beforeEach, describe, expect, it, vi } from "vitest";

const cookie = vi.hoisted(() => ({ value: null as null | { user: { id: string }; sessionToken: string } }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
vi.mock("@/lib/auth", () => ({ auth: async () => cookie.value }));

import { db } from "@/lib/db";
import { idleState } from "@/lib/actions/form-state";
import { FieldError, UserFacingError } from "@/lib/errors";
import { endSession, startSession } from "@/lib/auth/auth-session";
import { authenticate } from "@/lib/auth/authenticate";
import { changePassword, changePasswordSchema } from "@/lib/auth/change-password";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { getUser } from "@/lib/auth/session";
import { disableUser } from "@/lib/admin/disable-user";
import { disableUserAction } from "@/app/admin/actions";
import { createUser, digestOf, formData } from "@/test/fixtures/vm";

const password = "purple tunnel lab 42";
// getUser() is cached per request (React cache); outside a request every call is fresh.
const userFor = async (userId: string, sessionToken: string) => {
  cookie.value = { user: { id: userId }, sessionToken };
  return getUser();
};
async function customerWithPassword() {
  const user = await createUser();
  await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  return user;
}
const passwordHashOf = async (id: string) => (await db.user.findUniqueOrThrow({ where: { id }, omit: { passwordHash: false } })).passwordHash;

beforeEach(() => {
  cookie.value = null;
  // forbidden() is an opt-in Next.js API (next.config.ts: experimental.authInterrupts).
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

describe("getUser and session rows", () => {
  it("a signed-out session's cookie (copied before sign-out) no longer signs anyone in", async () => {
    const user = await createUser();
    const token = await startSession(user.id);
    expect(await userFor(user.id, token)).toMatchObject({ id: user.id, email: user.email });
    await endSession(token);
    expect(await userFor(user.id, token)).toBeNull();
  });

  it("a JWT without a session token, with another user's token, or past its row's expiry is signed out", async () => {
    const [alice, bob] = [await createUser(), await createUser()];
    const bobs = await startSession(bob.id);
    expect(await userFor(alice.id, bobs)).toBeNull();
    cookie.value = { user: { id: alice.id } } as never;
    expect(await getUser()).toBeNull();
    const old = await startSession(alice.id, new Date(Date.now() - 31 * 24 * 3600_000));
    expect(await userFor(alice.id, old)).toBeNull();
  });

  it("only the token's hash is stored (I9)", async () => {
    const user = await createUser();
    const token = await startSession(user.id);
    const rows = await db.session.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0].sessionToken).not.toContain(token);
  });
});

describe("change password", () => {
  it("ends every other session of the account, keeps this one, audits, and the new password works", async () => {
    const user = await customerWithPassword();
    const [here, elsewhere, third] = [await startSession(user.id), await startSession(user.id), await startSession(user.id)];
    const input = changePasswordSchema.parse({ currentPassword: password, newPassword: "a brand new lab phrase", confirmPassword: "a brand new lab phrase" });
    expect(await changePassword({ userId: user.id, sessionToken: here, ip: "192.0.2.1" }, input)).toMatchObject({ endedSessions: 2 });
    expect(await userFor(user.id, here)).not.toBeNull();
    expect(await userFor(user.id, elsewhere)).toBeNull();
    expect(await userFor(user.id, third)).toBeNull();
    expect(await verifyPassword(await passwordHashOf(user.id), "a brand new lab phrase")).toBe(true);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectType: "user", subjectId: user.id, action: "user.password_changed" } });
    expect(audit).toMatchObject({ actorType: "customer", actorId: user.id, data: { endedSessions: 2 } });
  });

  it("I10: a wrong current password is a field error, counts as a failed sign-in and changes nothing", async () => {
    const user = await customerWithPassword();
    const [here, elsewhere] = [await startSession(user.id), await startSession(user.id)];
    const before = await passwordHashOf(user.id);
    const input = changePasswordSchema.parse({
      currentPassword: "not my password",
      newPassword: "a brand new lab phrase",
      confirmPassword: "a brand new lab phrase",
    });
    const attempt = changePassword({ userId: user.id, sessionToken: here, ip: "192.0.2.2" }, input);
    await expect(attempt).rejects.toBeInstanceOf(FieldError);
    await expect(attempt).rejects.toMatchObject({ field: "currentPassword" });
    expect(await passwordHashOf(user.id)).toBe(before);
    expect(await userFor(user.id, elsewhere)).not.toBeNull();
    expect(await db.loginAttempt.count({ where: { email: user.email, success: false } })).toBe(1);
    expect(await db.auditEvent.count({ where: { subjectType: "user", subjectId: user.id } })).toBe(0);
  });

  it("I10: mismatched, weak or unchanged new passwords get field errors", () => {
    const errorsOf = (input: Record<string, string>) => changePasswordSchema.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}`);
    expect(errorsOf({ currentPassword: "old one here", newPassword: "a brand new lab phrase", confirmPassword: "something else" })).toEqual([
      "confirmPassword",
    ]);
    expect(errorsOf({ currentPassword: "old one here", newPassword: "short", confirmPassword: "short" })).toEqual(["newPassword"]);
    expect(errorsOf({ currentPassword: "same old phrase", newPassword: "same old phrase", confirmPassword: "same old phrase" })).toEqual(["newPassword"]);
    expect(errorsOf({ currentPassword: "", newPassword: "a brand new lab phrase", confirmPassword: "a brand new lab phrase" })).toEqual(["currentPassword"]);
  });
});

describe("disable account", () => {
  it("ends every session at once, refuses sign-in (said only with the right password) and is audited", async () => {
    const [admin, user] = [await createUser("admin"), await customerWithPassword()];
    const [a, b] = [await startSession(user.id), await startSession(user.id)];
    cookie.value = { user: { id: admin.id }, sessionToken: await startSession(admin.id) };
    expect(await disableUserAction(idleState, formData({ userId: user.id }))).toEqual({ status: "success", message: "Disabled; 2 sessions ended." });
    expect(await userFor(user.id, a)).toBeNull();
    expect(await userFor(user.id, b)).toBeNull();
    expect(await authenticate({ email: user.email, password }, "192.0.2.3")).toEqual({ ok: false, reason: "disabled" });
    expect(await authenticate({ email: user.email, password: "a wrong guess" }, "192.0.2.3")).toEqual({ ok: false, reason: "invalid" });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { subjectType: "user", subjectId: user.id, action: "user.disabled" } });
    expect(audit).toMatchObject({ actorType: "admin", actorId: admin.id, data: { endedSessions: 2 } });
  });

  it("is refused for the operator's own account, an already disabled one and an unknown id; a customer gets 403", async () => {
    const [admin, user] = [await createUser("admin"), await createUser()];
    await expect(disableUser({ userId: admin.id, adminId: admin.id })).rejects.toBeInstanceOf(UserFacingError);
    await disableUser({ userId: user.id, adminId: admin.id });
    await expect(disableUser({ userId: user.id, adminId: admin.id })).rejects.toThrow("already disabled");
    await expect(disableUser({ userId: "nope", adminId: admin.id })).rejects.toThrow("Unknown account");
    expect(await db.auditEvent.count({ where: { subjectType: "user", subjectId: user.id, action: "user.disabled" } })).toBe(1);

    const customer = await createUser();
    cookie.value = { user: { id: customer.id }, sessionToken: await startSession(customer.id) };
    expect(await digestOf(disableUserAction(idleState, formData({ userId: admin.id })))).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(await db.user.findUniqueOrThrow({ where: { id: admin.id } })).toMatchObject({ disabledAt: null });
  });
});
