// The operator's suspension for abuse in Chromium (issue 25, Build 3): from the order's admin page,
// suspend with a reason and a note (field errors first); the customer sees the note on the VM's
// page, the VM is stopped by the vm-hold function, Start and the console are refused with that
// note. Meanwhile the billing ladder runs apart from it (the account is on a Stripe test clock,
// e2e/rehearsal.ts): the renewal is declined and the subscription reaches past due while the VM
// stays suspended for abuse; lifting the abuse suspension leaves the billing state past due, and
// the VM stopped for its owner, who can start it again (past due alone does not stop a VM).
import { expect, test, type Page } from "@playwright/test";
import { buyVm } from "./buy-vm";
import { signIn, uniqueEmail } from "./helpers";
import { advanceClockBy, cardDeclinesFromNowOn, eventually, hoursToRenewal, putOnTestClock } from "./rehearsal";
import { sims } from "./sims";

const NOTE = "Outbound spam was reported from this VM on 7 December.";

const subscriptionStatus = async (email: string) => (await sims.stripeSubscriptionsOf(email)).map((s) => s.status);

async function billingState(page: Page, expected: string) {
  await eventually(page, "/billing", () => expect(page.getByTestId("billing-state").first()).toHaveText(expected, { timeout: 1_000 }));
}

test("the operator suspends a VM for abuse with a note; the customer sees it and cannot start it or open its console; the ladder reaches past due meanwhile; lifting it leaves past due and lets them start it", async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  const email = uniqueEmail("abuse");
  await buyVm(page, email, undefined, () => putOnTestClock(browser, email));
  const vmUrl = page.url();
  const hostname = (await page.locator("h1").first().textContent())!.trim();

  const admin = await browser.newPage();
  await signIn(admin, "admin@lab.test", "operator pass phrase");
  await expect(admin).toHaveURL(/\/dashboard$/);
  await admin.goto("/admin");
  await admin.getByLabel("Find a customer").fill(hostname);
  await admin.getByRole("button", { name: "Find a customer" }).click();
  await admin.getByRole("link", { name: email.toLowerCase() }).click();
  await admin.getByRole("link", { name: "order timeline" }).click();

  // Every field is validated on the server; an empty note is refused next to its field.
  await admin.getByRole("button", { name: "Suspend for abuse" }).click();
  await expect(admin.locator("#hold-customerNote-error")).toHaveText("Write a note for the customer.");
  await admin.getByLabel("Reason").selectOption("abuse_report");
  await admin.getByLabel(/Note for the customer/).fill(NOTE);
  await admin.getByRole("button", { name: "Suspend for abuse" }).click();
  // The page now shows the standing suspension (and no second form).
  await expect(admin.getByTestId("vm-hold").first()).toContainText("standing");
  await expect(admin.getByTestId("vm-hold").first()).toContainText(NOTE);

  // The customer: the note on the VM's page, the VM stopped (by the vm-hold function, I2).
  await page.goto(vmUrl);
  await expect(page.getByTestId("vm-hold-message")).toContainText(NOTE);
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator("header").getByTestId("vm-status").textContent();
      },
      { timeout: 60_000 },
    )
    .toBe("Stopped");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.getByTestId("form-message")).toContainText(NOTE);
  await page.goto(`${vmUrl}/console`);
  await expect(page.getByText(NOTE)).toBeVisible();

  // The billing ladder runs on its own: the renewal is declined, the subscription goes past due and
  // the customer is told the payment is overdue, while the abuse suspension stands, with its note.
  await cardDeclinesFromNowOn(page);
  const clock = await browser.newPage();
  await advanceClockBy(clock, email, await hoursToRenewal(clock, email));
  await billingState(page, "Payment overdue");
  await expect.poll(() => subscriptionStatus(email), { timeout: 30_000 }).toEqual(["past_due"]);
  await page.goto(vmUrl);
  await expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", "past_due");
  await expect(page.getByTestId("vm-hold-message")).toContainText(NOTE);
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Stopped");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.getByTestId("form-message")).toContainText(NOTE);
  await admin.reload();
  await expect(admin.getByTestId("vm-hold").first()).toContainText("standing");

  // Lifting: asked first; the VM stays stopped and the owner may start it.
  await admin.reload();
  admin.once("dialog", (d) => void d.accept());
  await admin.getByRole("button", { name: "Lift suspension" }).click();
  await expect(admin.getByTestId("vm-hold").first()).toContainText("lifted");
  // Suspending again is offered once nothing stands.
  await expect(admin.getByRole("button", { name: "Suspend for abuse" })).toBeVisible();
  // The billing state is as it was: still past due, on our pages and at Stripe.
  await billingState(page, "Payment overdue");
  expect(await subscriptionStatus(email)).toEqual(["past_due"]);
  await page.goto(vmUrl);
  await expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", "past_due");
  await expect(page.getByTestId("vm-hold-message")).toHaveCount(0);
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Stopped");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator("header").getByTestId("vm-status").textContent();
      },
      { timeout: 60_000 },
    )
    .toBe("Running");
  await admin.close();
  await clock.close();
});
