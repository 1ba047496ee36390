// The operator's console in Chromium (issue 22, Build 1): finding a customer by a VM's hostname,
// their page, an order's timeline (Stripe events, Inngest runs with their steps, emails), disabling
// (asked first) and enabling again; and a customer refused (403) by every /admin page.
import { expect, test } from "@playwright/test";
import { buyVm } from "./buy-vm";
import { signIn, signOut, uniqueEmail } from "./helpers";
import { simUrl } from "./ports";

const ADMIN_PAGES = [
  "/admin",
  "/admin/customers",
  "/admin/orders",
  "/admin/vms",
  "/admin/resizes",
  "/admin/pricing",
  "/admin/nodes",
  "/admin/billing",
  "/admin/reconcile",
];

test("the operator finds a customer by a VM's hostname, opens the order's timeline, and disables then enables the account", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("operated");
  await buyVm(page, email);
  const vmUrl = page.url();
  const hostname = (await page.locator("h1").first().textContent())!.trim();
  await signOut(page);

  const admin = await browser.newPage();
  await signIn(admin, "admin@lab.test", "operator pass phrase");
  await expect(admin).toHaveURL(/\/dashboard$/);
  await admin.goto("/admin");
  await expect(admin.getByRole("heading", { name: "Needs attention" })).toBeVisible();
  await expect(admin.getByTestId("mrr")).toHaveText(/^\$\d/);
  await admin.getByLabel("Find a customer").fill(hostname);
  await admin.getByRole("button", { name: "Find a customer" }).click();
  await expect(admin.getByTestId("customer-result")).toHaveCount(1);
  await admin.getByRole("link", { name: email.toLowerCase() }).click();
  await expect(admin.getByRole("heading", { name: "Test Customer" })).toBeVisible();
  await expect(admin.getByTestId("customer-vm")).toContainText(hostname);

  await admin.getByRole("link", { name: "order timeline" }).click();
  await expect(admin.getByTestId("order-status")).toHaveText("provisioned");
  await expect(admin.getByTestId("timeline-stripe-event").filter({ hasText: "checkout.session.completed" })).toHaveCount(1);
  await expect(admin.getByTestId("timeline-run").filter({ hasText: "provision-vm" }).first()).toContainText("Completed");
  await expect(admin.getByTestId("timeline-run").filter({ hasText: "provision-vm" }).first()).toContainText("configure vm");
  await expect(admin.getByTestId("timeline-email").first()).toContainText(email.toLowerCase());
  await expect(admin.getByTestId("runs-page")).toHaveAttribute("href", /\/_sim\/page\?order=/);

  // Disable: the browser asks first, saying what it does; Cancel changes nothing.
  await admin.getByRole("link", { name: email.toLowerCase() }).click();
  let asked = "";
  admin.once("dialog", (d) => ((asked = d.message()), void d.dismiss()));
  await admin.getByRole("button", { name: `Disable ${email.toLowerCase()}` }).click();
  expect(asked).toContain("every session of theirs ends now");
  await admin.reload();
  await expect(admin.getByTestId("account-access")).not.toContainText("Disabled");
  admin.once("dialog", (d) => void d.accept());
  await admin.getByRole("button", { name: `Disable ${email.toLowerCase()}` }).click();
  await expect(admin.getByTestId("account-access")).toContainText("Disabled");
  await signIn(page, email);
  await expect(page.getByTestId("form-message")).toContainText("This account has been disabled");

  admin.once("dialog", (d) => void d.accept());
  await admin.getByRole("button", { name: "Enable account" }).click();
  await expect(admin.getByRole("button", { name: `Disable ${email.toLowerCase()}` })).toBeVisible();
  await expect(admin.getByTestId("account-access")).not.toContainText("Disabled");
  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto(vmUrl);
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  await admin.close();
});

test("a customer gets 403 on every /admin page", async ({ page }) => {
  await page.goto("/sign-up");
  const { signUp } = await import("./helpers");
  await signUp(page, uniqueEmail("nosy"));
  await expect(page).toHaveURL(/\/dashboard$/);
  for (const path of [...ADMIN_PAGES, "/admin/customers/some-id", "/admin/orders/some-id"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
  }
});

test("the operator runs a reconciliation, sees a stray tunnel with its evidence, and deletes it after confirming twice (audited)", async ({ page }) => {
  const name = `labvps-vm-stray${Date.now()}`;
  const created = await fetch(`${simUrl.cloudflare}/client/v4/accounts/sim-account/cfd_tunnel`, {
    method: "POST",
    headers: { authorization: "Bearer sim-cloudflare-token", "content-type": "application/json" },
    body: JSON.stringify({ name, config_src: "cloudflare" }),
  });
  expect(created.ok).toBe(true);
  await signIn(page, "admin@lab.test", "operator pass phrase");
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/admin/reconcile");
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("run-reconcile").click();
  const finding = page.getByTestId("finding").filter({ hasText: name });
  await expect(async () => {
    await page.reload();
    await expect(finding).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(finding).toHaveAttribute("data-kind", "orphan_tunnel");
  const dialogs: string[] = [];
  page.on("dialog", (d) => (dialogs.push(d.message()), void d.accept()));
  await finding.getByRole("button", { name: /Delete the tunnel/ }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("closed-finding").filter({ hasText: name })).toContainText("applied: deleted tunnel", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  expect(dialogs).toHaveLength(2);
  const tunnels = (await (await fetch(`${simUrl.cloudflare}/_sim/state`)).json()) as { tunnels: Array<{ name: string; deleted_at: string | null }> };
  expect(tunnels.tunnels.find((t) => t.name === name)?.deleted_at).not.toBeNull();
});
