// Stripe Tax end to end (STRIPE_AUTOMATIC_TAX=1, the "tax" project's own server and stand-ins):
// the pricing page says prices exclude tax, Checkout asks for the billing address, the invoice the
// customer sees carries the tax, and a resize quote's amount is the taxed invoice's total.
import { expect, test } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signUp, uniqueEmail } from "./helpers";
import { simUrl, simUrlsAt, taxE2ePorts } from "./ports";

// This project runs in a worker of its own: its stand-ins are the tax server's.
Object.assign(simUrl, simUrlsAt(taxE2ePorts));

/** What the business does once in the Dashboard: a head office, prices exclusive of tax. */
async function activateStripeTax() {
  const body = new URLSearchParams({
    "head_office[address][line1]": "1 Lab Street",
    "head_office[address][city]": "Berlin",
    "head_office[address][postal_code]": "10115",
    "head_office[address][country]": "DE",
    "defaults[tax_behavior]": "exclusive",
  });
  const response = await fetch(`${simUrl.stripe}/v1/tax/settings`, {
    method: "POST",
    headers: { authorization: "Bearer sk_test_e2e", "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  expect(response.ok).toBe(true);
}

test("with Stripe Tax: checkout asks for the address, the invoice shows the tax, and the resize quote equals the taxed invoice", async ({ page }) => {
  test.setTimeout(150_000);
  await activateStripeTax();
  await signUp(page, uniqueEmail("taxpayer"));
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto("/pricing");
  await expect(page.getByTestId("tax-note")).toHaveText("Prices exclude tax: tax is calculated at checkout from your billing address.");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("tax@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();

  // Stripe's Checkout asks for the billing address (automatic tax, billing_address_collection=required).
  const country = page.getByLabel("Country");
  await expect(country).toBeVisible();
  await expect(page.getByLabel("Postal code")).toHaveAttribute("required", "");
  await expect(page.getByText("I'm purchasing as a business")).toBeVisible();
  await country.selectOption("DE");
  await page.getByLabel("Address").fill("Hauptstraße 5");
  await page.getByLabel("City").fill("Munich");
  await page.getByLabel("Postal code").fill("80331");
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  const vmUrl = page.url();

  // The first invoice: $19 plus German VAT (19 %), as Stripe Tax computed it.
  await page.goto("/billing");
  const first = page.getByTestId("invoice").first();
  await expect(first).toContainText("$22.61");
  await expect(first.getByTestId("invoice-tax")).toHaveText("incl. $3.61 tax (total $22.61)");

  // The resize quote: tax included, and the invoice Stripe then charges is that amount.
  await page.goto(vmUrl);
  await page.getByTestId("open-resize").click();
  await expect(page.getByTestId("tax-note")).toBeVisible();
  await page.getByLabel("vCPUs").fill("4");
  await page.getByRole("button", { name: "See the price" }).click();
  const due = (await page.getByTestId("amount-due").textContent())!;
  const tax = (await page.getByTestId("amount-tax").textContent())!;
  expect(due).toMatch(/^\$\d+(\.\d\d)?$/);
  expect(Number(tax.slice(1))).toBeGreaterThan(0);
  await expect(page.getByTestId("new-monthly")).toHaveText("$27"); // $19 + 2 × $4, excl. tax
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("resize-status-label")).toHaveText(/Paid|Applying|Applied/, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });

  await page.goto("/billing");
  const resizeInvoice = page.getByTestId("invoice").filter({ hasText: `incl. ${tax} tax (total ${due})` });
  await expect(resizeInvoice).toHaveCount(1);
  await expect(resizeInvoice).toHaveAttribute("data-status", "paid");
});
