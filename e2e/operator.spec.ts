// The operator's console in Chromium (issue 22, Build 1): finding a customer by a VM's hostname,
// their page, an order's timeline (Stripe events, Inngest runs with their steps, emails), disabling
// (asked first) and enabling again; and a customer refused (403) by every /admin page.
import { expect, test } from "@playwright/test";
import { buyVm } from "./buy-vm";
import { signIn, signOut, uniqueEmail } from "./helpers";

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
  await expect(admin.getByTestId("runs-page")).toHaveAttribute("href", /\/_sim\?order=/);

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
  await expect(admin.getByTestId("account-access").getByRole("status")).toContainText("Disabled");
  await admin.reload();
  await expect(admin.getByTestId("account-access")).toContainText("Disabled");
  await signIn(page, email);
  await expect(page.getByTestId("form-message")).toContainText("This account has been disabled");

  admin.once("dialog", (d) => void d.accept());
  await admin.getByRole("button", { name: "Enable account" }).click();
  await expect(admin.getByTestId("account-access").getByRole("status")).toHaveText("Enabled: they can sign in again.");
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
