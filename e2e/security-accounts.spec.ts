// Issue 19 as a customer lives it: a forgotten password, a first order that waits for a confirmed
// email address, and two-factor sign-in with an authenticator app (codes computed here from the
// secret the page shows) and recovery codes. Named to run after accounts.spec.ts, whose /admin
// user list shows only the newest 20 accounts.
import { expect, test, type Page } from "@playwright/test";
import { generate } from "otplib";
import pg from "pg";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { confirmEmailFromInbox, goodPassword, linkFromInbox, signIn, signOut, signUp, uniqueEmail } from "./helpers";
import { sims } from "./sims";

const newPassword = "a brand new lab phrase";

/**
 * Presses a form's button and waits for its server action's answer: React resets an uncontrolled
 * form when the action returns, so typing into it before then would be wiped.
 */
async function submit(page: Page, button: string) {
  const path = new URL(page.url()).pathname;
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === path),
    page.getByRole("button", { name: button }).click(),
  ]);
}

async function askForReset(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await submit(page, "Send reset link");
  return (await page.getByTestId("form-message").textContent())?.replace(email, "<address>");
}

async function setNewPassword(page: Page, link: string, password: string) {
  await page.goto(new URL(link).pathname + new URL(link).search);
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("New password, again").fill(password);
  await page.getByRole("button", { name: "Set new password" }).click();
}

test("forgot password: the emailed link sets a new password once, signs every session out, the old password stops working", async ({ page, browser }) => {
  const email = uniqueEmail("forgot");
  await signUp(page, email);
  const elsewhere = await browser.newPage();
  await signIn(elsewhere, email);
  await expect(elsewhere).toHaveURL(/\/dashboard$/);
  await signOut(page);

  const known = await askForReset(page, email);
  const unknown = await askForReset(page, uniqueEmail("nobody"));
  expect(known).toMatch(/^If an account uses <address>, we have sent it a link/);
  expect(unknown).toBe(known); // an unknown address gets the same page

  const link = await linkFromInbox(email, "/reset-password", /Reset your Lab VPS password/);
  await setNewPassword(page, link, newPassword);
  await expect(page).toHaveURL(/\/sign-in\?reset=1$/);
  await expect(page.getByText("Your password was changed and every browser was signed out.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible(); // the link signed nobody in

  await elsewhere.goto("/dashboard");
  await expect(elsewhere).toHaveURL(/\/sign-in/); // the other session is out
  await elsewhere.close();

  await signIn(page, email, goodPassword);
  await expect(page.getByText("Email or password is incorrect.")).toBeVisible();
  await signIn(page, email, newPassword);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect.poll(async () => (await sims.mailTo(email)).map((m) => m.subject)).toContain("Your Lab VPS password was changed");

  // The same link a second time: refused.
  await signOut(page);
  await page.goto(new URL(link).pathname + new URL(link).search);
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
});

test("a reset link is refused 30 minutes later", async ({ page }) => {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  // 30 minutes pass in the database the server reads (the TTL itself is proven in lib/auth/accounts.db.test.ts).
  test.skip(!databaseUrl, "needs E2E_DATABASE_URL (the server's embedded PGlite takes one connection: its own)");
  const email = uniqueEmail("late");
  await signUp(page, email);
  await signOut(page);
  await askForReset(page, email);
  const link = await linkFromInbox(email, "/reset-password");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(
    `UPDATE auth_tokens SET created_at = created_at - interval '30 minutes', expires_at = expires_at - interval '30 minutes'
     WHERE purpose = 'password_reset' AND user_id = (SELECT id FROM users WHERE email = $1)`,
    [email],
  );
  await client.end();
  await page.goto(new URL(link).pathname + new URL(link).search);
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
});

test("sign up → unverified banner → checkout refused until the address is confirmed → confirm → buy", async ({ page }) => {
  const email = uniqueEmail("verify");
  await signUp(page, email, goodPassword, "Grace Hopper", { verify: false });
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("verify-email-notice")).toContainText(`We sent a link to ${email}`);

  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await expect(page.getByTestId("verify-email-notice")).toContainText("Before your first order we need to know this address is yours");
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("verify@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await expect(page.getByTestId("form-message")).toContainText("Please confirm your email address first.");
  await expect(page).toHaveURL(/\/checkout\/clab-starter$/);

  await confirmEmailFromInbox(page, email);
  await page.reload();
  await expect(page.getByTestId("verify-email-notice")).toHaveCount(0);
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("verify@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  // The receipt, with a clickable absolute link to the invoice.
  await expect.poll(async () => (await sims.mailTo(email)).find((m) => m.subject.startsWith("Payment received"))?.html ?? "").toMatch(/<a href="https?:\/\//);
});

/** Turns two-factor on from /account; returns the secret (as the page shows it) and the recovery codes. */
async function enrolTwoFactor(page: Page) {
  await page.goto("/account");
  await page.getByRole("link", { name: "Set up two-factor sign-in" }).click();
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" }).locator("svg")).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await page.getByLabel("Code from your app").fill(await generate({ secret }));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  return { secret, recoveryCodes: (await codes.allTextContents()).map((c) => c.trim()) };
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel("Code").fill(code);
  await submit(page, "Verify");
}

/** A refused code: the message, and the form reset by React (so the next code is not wiped). */
async function enterWrongCode(page: Page, code: string, message: string | RegExp = "That code is not right.") {
  await enterCode(page, code);
  await expect(page.getByText(message)).toBeVisible();
  await expect(page.getByLabel("Code")).toHaveValue("");
}

test("two-factor: enrol with a QR code → sign-in asks for the code → a recovery code works once → disabling needs both factors", async ({ page }) => {
  const email = uniqueEmail("totp");
  await signUp(page, email);
  const { secret, recoveryCodes } = await enrolTwoFactor(page);
  await page.getByRole("link", { name: /I have saved them/ }).click();
  await expect(page.getByText("On: sign-in asks for a code from your authenticator app.")).toBeVisible();
  await signOut(page);

  await signIn(page, email);
  await expect(page).toHaveURL(/\/sign-in\/two-factor/); // the password alone is not enough
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);
  await signIn(page, email);
  await enterWrongCode(page, "000000");
  await enterCode(page, recoveryCodes[0]);
  await expect(page).toHaveURL(/\/dashboard$/);
  await signOut(page);

  await signIn(page, email);
  await enterWrongCode(page, recoveryCodes[0]); // each recovery code once
  // The enrolment's code is spent; the app's next code (within the allowed drift) signs in.
  await enterCode(page, await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto("/account/two-factor");
  await page.getByLabel("Password").fill(goodPassword);
  await page.getByLabel("Code from your app (or a recovery code)").fill("999999");
  await submit(page, "Turn off two-factor sign-in");
  await expect(page.getByText("That code is not right.")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveValue("");
  await page.getByLabel("Password").fill(goodPassword);
  await page.getByLabel("Code from your app (or a recovery code)").fill(recoveryCodes[1]);
  await page.getByRole("button", { name: "Turn off two-factor sign-in" }).click();
  // The page now offers to set it up again: it is off.
  await expect(page.getByRole("button", { name: "Set up two-factor sign-in" })).toBeVisible();

  await page.goto("/account");
  const activity = page.getByTestId("security-events");
  await expect(activity).toContainText("Two-factor sign-in turned on");
  await expect(activity).toContainText("Recovery code used to sign in");
  await expect(activity).toContainText("Two-factor sign-in turned off");
});

test("two-factor: wrong codes are rate-limited, even the right one is then refused", async ({ page }) => {
  const email = uniqueEmail("totp-limit");
  await signUp(page, email);
  const { secret } = await enrolTwoFactor(page);
  await signOut(page);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/sign-in\/two-factor/);
  for (let i = 0; i < 5; i++) await enterWrongCode(page, String(100000 + i));
  await enterCode(page, await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await expect(page.getByText(/Too many sign-in attempts/)).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in\/two-factor/);
});

test("sessions: /account lists this browser and another, marks the current one, and signs the other out", async ({ page, browser }) => {
  const email = uniqueEmail("sessions");
  await signUp(page, email);
  const other = await browser.newPage({ userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0" });
  await signIn(other, email);
  await expect(other).toHaveURL(/\/dashboard$/);
  await page.goto("/account");
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.first()).toContainText("(this browser)");
  await expect(sessions.nth(1)).toContainText("Firefox on Linux");
  await sessions.nth(1).getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByTestId("session")).toHaveCount(1);
  await other.goto("/dashboard");
  await expect(other).toHaveURL(/\/sign-in/);
  await expect(page.getByTestId("security-events")).toContainText("Signed out a browser");
  await expect.poll(async () => (await sims.mailTo(email)).map((m) => m.subject)).toContain("New sign-in to your Lab VPS account");
  await other.close();
});
