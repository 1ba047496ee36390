// A billing rehearsal as an operator runs one before launch (README, "Rehearse the billing ladder"):
// the account is put on a Stripe test clock from /admin/billing before its first checkout, and the
// clock is advanced from Stripe's side — here the stand-in's own test-clock controls (its /_sim
// page: the clock's row, by the customer's email), as the Dashboard's "Advance time" does.
import { expect, type Browser, type Page } from "@playwright/test";
import { signIn } from "./helpers";
import { simUrl } from "./ports";
import { sims } from "./sims";

export const ADMIN = { email: "admin@lab.test", password: "operator pass phrase" };

/** The operator, signed in, in a context of their own. */
export async function signInAsOperator(browser: Browser): Promise<Page> {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/dashboard$/);
  return admin;
}

/** The operator puts the account on a fresh test clock (/admin/billing, Billing rehearsal). */
export async function putOnTestClock(browser: Browser, email: string) {
  const context = await browser.newContext();
  const admin = await context.newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/dashboard$/);
  await admin.goto("/admin/billing");
  const section = admin.getByRole("region", { name: "Billing rehearsal" });
  await section.getByLabel("Account email").fill(email);
  await section.getByRole("button", { name: "Put on a test clock" }).click();
  await expect(section.getByRole("status")).toContainText("is on test clock");
  await context.close();
}

/** The clock's row on the stand-in's page (it lists the customers on each clock). */
const clockRow = (page: Page, email: string) =>
  page
    .getByRole("row")
    .filter({ hasText: email })
    .filter({ has: page.getByTestId("frozen-time") });

/** The customer's clock time, as the stand-in's page shows it (UTC). */
export async function clockTime(page: Page, email: string): Promise<Date> {
  await page.goto(`${simUrl.stripe}/_sim`);
  const text = (await clockRow(page, email).getByTestId("frozen-time").textContent())!;
  return new Date(`${text.replace(" ", "T")}:00Z`);
}

/** Moves the customer's clock by `hours` with the page's "Advance … to" form, and waits until it is ready. */
export async function advanceClockBy(page: Page, email: string, hours: number) {
  const target = new Date((await clockTime(page, email)).getTime() + hours * 3_600_000);
  const row = clockRow(page, email);
  await row.locator('input[type="datetime-local"]').fill(target.toISOString().slice(0, 16));
  await row.getByRole("button", { name: "Advance", exact: true }).click();
  await page.waitForURL(`${simUrl.stripe}/_sim`);
  await expect(clockRow(page, email)).toContainText("ready");
  await expect(clockRow(page, email).getByTestId("frozen-time")).toHaveText(target.toISOString().slice(0, 16).replace("T", " "));
}

/** Reloads `url` until `check` passes (the product hears of the clock's work through webhooks). */
export async function eventually(page: Page, url: string, check: () => Promise<void>, timeout = 60_000) {
  await expect(async () => {
    await page.goto(url);
    await check();
  }).toPass({ timeout, intervals: [500, 1_000, 2_000] });
}

const DECLINES = "4000000000000341";

/** The hours from the clock's time to just after the first renewal's finalization (a month on, +2 h). */
export async function hoursToRenewal(page: Page, email: string) {
  const t0 = await clockTime(page, email);
  const renewal = new Date(t0);
  renewal.setUTCMonth(renewal.getUTCMonth() + 1);
  return (renewal.getTime() - t0.getTime()) / 3_600_000 + 2;
}

/**
 * The customer's card starts declining: "Update card" on /billing opens the product's card-update
 * portal flow (issue 17), which saves this card (it attaches, then declines charges) and lands back
 * on /billing; the product puts it on the customer's subscriptions.
 */
export async function cardDeclinesFromNowOn(page: Page) {
  await page.goto("/billing");
  await page.getByRole("button", { name: "Update card" }).click();
  await page.waitForURL(/\/p\/session\//);
  await page.getByLabel("Card number").fill(DECLINES);
  await page.getByRole("button", { name: "Update card" }).click();
  await page.waitForURL(/\/billing$/);
  // Carried out before the clock moves: the card is on the subscription (Inngest runs ended).
  await sims.settled();
}
