import { expect, type Page } from "@playwright/test";
import { sims } from "./sims";

export const uniqueEmail = (tag: string) => `${tag}.${Date.now()}.${Math.random().toString(36).slice(2, 7)}@example.com`;
export const goodPassword = "purple tunnel lab 42";

/**
 * Fills the sign-up form; opens /sign-up first unless the page already shows the form. A new
 * account then confirms its email address in another tab (as a customer clicks the emailed
 * link), unless `verify: false`: checkout waits for a confirmed address (issue 19).
 */
export async function signUp(page: Page, email: string, password = goodPassword, name = "Test Customer", options: { verify?: boolean } = {}) {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/sign-up")) await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  if (options.verify === false) return;
  const outcome = await Promise.race([
    page.waitForURL((url) => !url.pathname.startsWith("/sign-up"), { timeout: 20_000 }).then(() => "signed-up" as const),
    page
      .locator('[aria-invalid="true"], [data-testid="form-message"]')
      .first()
      .waitFor({ timeout: 20_000 })
      .then(() => "refused" as const),
  ]);
  if (outcome === "signed-up") await confirmEmailFromInbox(page, email);
}

/** The newest link of this kind in the stand-in mailbox for `email` (waits for it to arrive). */
export async function linkFromInbox(email: string, path: "/verify-email" | "/reset-password", subject?: RegExp): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      async () => {
        const messages = await sims.mailTo(email);
        const message = messages.find((m) => (!subject || subject.test(m.subject)) && m.text?.includes(path));
        link = message?.text?.match(new RegExp(`https?://\\S+${path}\\?\\S+`))?.[0];
        return link;
      },
      { timeout: 20_000, message: `an email to ${email} with a ${path} link` },
    )
    .toBeTruthy();
  return link!;
}

/**
 * Opens the emailed confirmation link in a second tab and presses its button; a page made with
 * `browser.newPage()` cannot open tabs, so there it confirms in the same page and comes back.
 */
export async function confirmEmailFromInbox(page: Page, email: string) {
  const link = await linkFromInbox(email, "/verify-email", /Confirm your email address/);
  const path = new URL(link).pathname + new URL(link).search;
  const tab = await page
    .context()
    .newPage()
    .catch(() => null);
  const confirmIn = tab ?? page;
  const back = page.url();
  await confirmIn.goto(path);
  await confirmIn.getByRole("button", { name: "Confirm my email address" }).click();
  await confirmIn.waitForURL(/\/dashboard\?verified=1$/);
  if (tab) await tab.close();
  else await page.goto(back);
}

export async function signIn(page: Page, email: string, password = goodPassword) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
}
