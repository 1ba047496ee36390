// The sign-in and sign-up pages as Next calls them: search parameters exactly as Next hands them
// over (a repeated one is an array), through the real session helpers; only Auth.js's auth() is
// replaced by a settable session.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { createUser, digestOf } from "@/test/fixtures/vm";
import { renderPage } from "@/test/fixtures/render";
import SignInPage from "./sign-in/page";
import SignUpPage from "./sign-up/page";

let userId: string;
beforeAll(async () => {
  userId = (await createUser()).id;
});
beforeEach(() => {
  session.userId = null;
});

describe.each([
  ["sign-in", SignInPage],
  ["sign-up", SignUpPage],
])("/%s", (_name, Page) => {
  it("signed in, ?next=/dashboard&next=//evil.test redirects to the first, same-site value (no 500)", async () => {
    session.userId = userId;
    const digest = await digestOf(Page({ searchParams: Promise.resolve({ next: ["/orders/x", "//evil.test"] }) }));
    expect(digest).toMatch(/^NEXT_REDIRECT;replace;\/orders\/x;/);
  });

  it.each([["//evil.test"], [["https://evil.test", "/orders/x"]], ["/\\evil.test"]])(
    "signed in, ?next=%j is not followed: the dashboard instead",
    async (next) => {
      session.userId = userId;
      expect(await digestOf(Page({ searchParams: Promise.resolve({ next }) }))).toMatch(/^NEXT_REDIRECT;replace;\/dashboard;/);
    },
  );

  it.each([
    [["/orders/a", "/b"], "/orders/a"],
    ["//evil.test", undefined],
  ])("signed out, ?next=%j renders the form carrying %j on to the action", async (next, carried) => {
    const html = await renderPage(Page({ searchParams: Promise.resolve({ next, other: ["x", "y"] }) }));
    expect(html).toContain(_name === "sign-in" ? "Sign in" : "Create account");
    if (carried) expect(html).toContain(`<input type="hidden" name="next" value="${carried}"/>`);
    else expect(html).not.toContain('name="next"');
  });
});
