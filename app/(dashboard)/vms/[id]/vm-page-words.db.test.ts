// Issue 23 "Words that are true": the pages read against the configuration. The VM page says
// "Cloudflare Access" only for a VM that has an Access application, and describes what happens on
// first use; an EVE-NG VM's page reveals its own web password (to its owner only); the home page
// promises nothing the product does not do.
import { beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => ({ userId: null as string | null }));
vi.mock("server-only", () => ({}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));
// The power panel (a client component) asks for the router; rendering on the server has none.
vi.mock("next/navigation", async (actual) => ({ ...(await actual<typeof import("next/navigation")>()), useRouter: () => ({ refresh: () => undefined }) }));
vi.mock("@/lib/auth", async () => {
  const { sessionOf } = await import("@/test/fixtures/session");
  return { auth: () => sessionOf(session.userId) };
});

import { idleState } from "@/lib/actions/form-state";
import { envSchema } from "@/lib/env";
import { renderPage, textOf } from "@/test/fixtures/render";
import { testEnv } from "@/test/fixtures/env";
import { createUser, createVmFixture, digestOf, formData, NOT_FOUND_DIGEST } from "@/test/fixtures/vm";
import HomePage from "@/app/(marketing)/page";
import VmPage from "./page";
import { revealPasswordFormAction } from "./actions";

const page = (id: string) => renderPage(VmPage({ params: Promise.resolve({ id }) })).then(textOf);

beforeEach(() => {
  session.userId = null;
});

describe("what the pages claim (I5)", () => {
  it("a VM with an Access application: behind Cloudflare Access for its owner only, browser sign-in on first use, then ssh", async () => {
    const owner = await createUser();
    const { vm } = await createVmFixture({ userId: owner.id, accessAppId: "app-of-this-vm" });
    session.userId = owner.id;
    const text = await page(vm.id);
    expect(text).toContain(`behind Cloudflare Access: only ${owner.email} can sign in`);
    expect(text).toContain(`opens your browser to sign in with Cloudflare Access (a one-time code sent to ${owner.email})`);
    expect(text).toContain(`then ssh ${vm.name} connects directly`);
    expect(text).not.toContain("app-of-this-vm"); // the application id is internal (I4)
  });

  it("a VM without one (built before Access): no word of Cloudflare Access, and it says the hostnames ask for no login", async () => {
    const { userId, vm } = await createVmFixture();
    session.userId = userId;
    const text = await page(vm.id);
    expect(text).not.toContain("Cloudflare Access");
    expect(text).toContain("its hostnames do not ask for a login yet");
  });

  it("an EVE-NG VM's page reveals its own web password to its owner, and to nobody else", async () => {
    const { userId, vm } = await createVmFixture({ labType: "eve", accessAppId: "app", eveAdminPassword: "EveOwnPassword234567" });
    session.userId = userId;
    const text = await page(vm.id);
    expect(text).toContain("Reveal EVE-NG password");
    expect(text).toContain("user admin with the EVE-NG password shown on your VM page");
    expect(text).not.toContain("EveOwnPassword234567"); // only on request
    expect(await revealPasswordFormAction(idleState, formData({ vmId: vm.id, kind: "eve-web" }))).toEqual({
      status: "success",
      password: "EveOwnPassword234567",
    });
    session.userId = (await createUser()).id;
    expect(await digestOf(revealPasswordFormAction(idleState, formData({ vmId: vm.id, kind: "eve-web" })))).toBe(NOT_FOUND_DIGEST);
  });

  it("the home page promises Access in front of every VM (the configuration requires it) and no longer 'nothing exposed'", async () => {
    const text = textOf(await renderPage(HomePage()));
    expect(text).toContain("behind a Cloudflare Access sign-in that admits only your account's email");
    expect(text).not.toMatch(/nothing is exposed/i);
    // Backed by the configuration: the app does not start without an Access team.
    const { CLOUDFLARE_ACCESS_TEAM: _team, ...withoutTeam } = testEnv;
    expect(envSchema.safeParse(withoutTeam).success).toBe(false);
  });
});
