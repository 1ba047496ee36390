// Buying a VM the way a customer does, shared by the resize and renewal specs.
import { expect, type Page } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signUp } from "./helpers";

export const THREE_D_SECURE = "4000002500003155";

/**
 * Signs up, buys Containerlab Starter (2 vCPU, 8 GB, 60 GB) with `card`, opens the VM; returns its
 * VMID. `afterSignUp` runs before the purchase (an operator putting the account on a test clock).
 */
export async function buyVm(page: Page, email: string, card = "4242424242424242", afterSignUp?: () => Promise<void>) {
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await afterSignUp?.();
  return purchaseVm(page, card);
}

/** The signed-in customer buys one more Containerlab Starter and opens it; returns its VMID. */
export async function purchaseVm(page: Page, card = "4242424242424242") {
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await expect(page.getByRole("heading", { name: "Order Containerlab Starter" })).toBeVisible();
  // A first order pastes a key; later ones use the saved key (ticked by default).
  const paste = page.getByLabel("Your public key");
  if (await paste.count()) await paste.fill(makeEd25519PublicKey("resizer@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill(card);
  await page.getByRole("button", { name: "Pay" }).click();
  if (card === THREE_D_SECURE) await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  return Number(await page.getByTestId("vmid").textContent());
}
