// The customer's /billing in Chromium (issue 11): after buying a VM the subscription is listed with
// its VM, next renewal and the paid invoice; cancel at period end and undo it from the VM's
// billing panel and from /billing; another customer sees none of it (I5).
import { expect, test, type Page } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signOut, signUp, uniqueEmail } from "./helpers";

async function buyVm(page: Page) {
  await signUp(page, uniqueEmail("billing"));
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("billing@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  await page.waitForURL(/\/vms\/[^/]+$/);
  return page.url();
}

test("the customer's /billing: subscription, invoices, cancel at period end and undo; another customer sees nothing", async ({ page }) => {
  const vmUrl = await buyVm(page);
  const panel = page.getByTestId("vm-billing");
  await expect(panel).toHaveAttribute("data-state", "active");

  await page.goto("/billing");
  const sub = page.getByTestId("subscription");
  await expect(sub).toHaveCount(1);
  await expect(sub.getByTestId("billing-state")).toHaveText("Active");
  await expect(sub).toContainText(/Renews on \d{4}-\d\d-\d\d for \$/);
  await expect(sub.locator("tbody tr")).toHaveCount(1);
  await expect(sub.locator("tbody tr")).toContainText("paid");

  await sub.getByRole("button", { name: "Cancel at period end" }).click();
  // Ask first (issue 21): the dialog names the end date; only its own button sends the request.
  await expect(page.getByRole("dialog")).toContainText(/Your subscription ends on \d{1,2} \w+ \d{4}/);
  await page.getByRole("dialog").getByRole("button", { name: "Cancel at period end" }).click();
  await expect(sub.getByRole("status")).toContainText("will end at the end of the current period");
  await page.reload();
  await expect(sub.getByTestId("billing-state")).toHaveText("Cancels at the end of the period");
  await expect(sub).toContainText("Does not renew");

  await page.goto(vmUrl);
  await expect(panel).toHaveAttribute("data-state", "canceled_at_period_end");
  await panel.getByRole("button", { name: "Undo cancellation" }).click();
  await expect(panel.getByRole("status")).toContainText("Cancellation undone");
  await page.goto("/billing");
  await expect(sub.getByTestId("billing-state")).toHaveText("Active");

  await signOut(page);
  await signUp(page, uniqueEmail("other"));
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/billing");
  await expect(page.getByText("No subscriptions yet.")).toBeVisible();
  await expect(page.getByTestId("subscription")).toHaveCount(0);
});
