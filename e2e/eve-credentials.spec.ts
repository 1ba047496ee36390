// Issue 23 in the browser: an EVE-NG VM's page reveals that VM's own EVE-NG web password, and the
// VM in the Proxmox stand-in (its guest, reached through the Cloudflare stand-in's edge behind the
// VM's Access application) refuses the template's well-known default and accepts the revealed one.
import { expect, test } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signUp, uniqueEmail } from "./helpers";
import { simUrl } from "./ports";

const edge = (hostname: string, path: string, init: { token?: string; body?: unknown } = {}) =>
  fetch(`${simUrl.cloudflare}/_edge/${hostname}${path}`, {
    method: init.body === undefined ? "GET" : "POST",
    redirect: "manual",
    headers: { ...(init.token ? { "cf-access-token": init.token } : {}), "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

test("an EVE-NG VM: the page reveals its own web password; the VM refuses the template default behind Cloudflare Access", async ({ page }) => {
  const email = uniqueEmail("eve");
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose EVE-NG Starter" }).click();
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("eve@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();

  // The page says what protects the hostnames, and where the EVE-NG login's password is.
  await expect(page.getByTestId("connect-words")).toContainText(`behind Cloudflare Access: only ${email} can sign in`);
  await expect(page.getByTestId("connect-words")).toContainText("user admin with the EVE-NG password shown on your VM page");
  const eveUrl = new URL((await page.getByTestId("eve-url").textContent())!);
  expect(eveUrl.hostname).toMatch(/^eve-[a-z0-9-]+-[a-z0-9]{8}\./); // a random name, not the VMID

  await page.getByRole("button", { name: "Reveal EVE-NG password" }).click();
  const password = (await page.getByTestId("eve-password").textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
  await page.getByRole("button", { name: "Reveal password" }).click();
  expect((await page.getByTestId("vm-password").textContent())!.trim()).not.toBe(password); // its own, not the login's

  // Without an Access token the edge only offers the Access login.
  expect((await edge(eveUrl.hostname, "/api/auth/login", { body: { username: "admin", password } })).status).toBe(302);
  // The owner signs in (the stand-in's one-time PIN step), then talks to EVE-NG itself.
  const login = await fetch(`${simUrl.cloudflare}/_sim/access/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hostname: eveUrl.hostname, email }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  await expect
    .poll(async () => (await edge(eveUrl.hostname, "/api/auth/login", { token, body: { username: "admin", password: "eve" } })).status, { timeout: 15_000 })
    .toBe(400);
  const refused = await edge(eveUrl.hostname, "/api/auth/login", { token, body: { username: "admin", password: "eve" } });
  expect(await refused.json()).toMatchObject({ status: "fail", message: expect.stringMatching(/Authentication failed/) });
  const accepted = await edge(eveUrl.hostname, "/api/auth/login", { token, body: { username: "admin", password } });
  expect(accepted.status).toBe(200);
  expect(await accepted.json()).toEqual({ code: 200, status: "success", message: "User logged in (90013)." });
});
