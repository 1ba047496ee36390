// ADMIN_REQUIRE_2FA: the operator reaches admin pages only with two-factor sign-in on.
import { beforeEach, describe, expect, it, vi } from "vitest";

const cookie = vi.hoisted(() => ({ value: null as null | { user: { id: string }; sessionToken: string } }));
const flag = vi.hoisted(() => ({ require2fa: false }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth", () => ({ auth: async () => cookie.value }));
vi.mock("@/lib/env", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/env")>();
  return { ...actual, env: () => ({ ...actual.env(), ADMIN_REQUIRE_2FA: flag.require2fa }) };
});

import { db } from "@/lib/db";
import { startSession } from "@/lib/auth/auth-session";
import { requireAdmin } from "@/lib/auth/session";
import { createUser, digestOf } from "@/test/fixtures/vm";

beforeEach(() => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

describe("ADMIN_REQUIRE_2FA", () => {
  it("sends an operator without two-factor to enrol first; with it on, the admin pages open", async () => {
    const admin = await createUser("admin");
    cookie.value = { user: { id: admin.id }, sessionToken: await startSession(admin.id) };
    flag.require2fa = false;
    expect(await requireAdmin()).toMatchObject({ id: admin.id });

    flag.require2fa = true;
    expect(await digestOf(requireAdmin())).toMatch(/^NEXT_REDIRECT;replace;\/account\/two-factor\?required=1;/);
    await db.user.update({ where: { id: admin.id }, data: { totpEnabledAt: new Date() } });
    expect(await requireAdmin()).toMatchObject({ id: admin.id });
  });
});
