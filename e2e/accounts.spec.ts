import { expect, test } from "@playwright/test";
import { goodPassword, signIn, signOut, signUp, uniqueEmail } from "./helpers";

test("a visitor signs up, signs out, signs in, picks a plan and reaches its checkout", async ({ page }) => {
  const email = uniqueEmail("journey");
  await signUp(page, email, goodPassword, "Ada Lovelace");
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "Hello, Ada Lovelace" })).toBeVisible();
  await expect(page.getByText("You have no lab VMs yet.")).toBeVisible();

  await signOut(page);
  await signIn(page, email.toUpperCase());
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.getByRole("link", { name: "Pricing" }).click();
  const cards = page.getByTestId("plan-card");
  await expect(cards).toHaveCount(4);
  await expect(page.getByRole("heading", { name: "EVE-NG Starter" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Containerlab Pro" })).toBeVisible();
  await expect(cards.first()).toContainText("/ month");
  await page.getByRole("link", { name: "Choose EVE-NG Starter" }).click();
  await expect(page).toHaveURL(/\/checkout\/eve-starter$/);
  await expect(page.getByRole("heading", { name: "Order EVE-NG Starter" })).toBeVisible();
});

test("a signed-out visitor who chooses a plan signs up and lands on its checkout", async ({ page }) => {
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await expect(page).toHaveURL(/\/sign-up\?next=/);
  await signUp(page, uniqueEmail("chooser"));
  await expect(page).toHaveURL(/\/checkout\/clab-starter$/);
  await expect(page.getByRole("heading", { name: "Order Containerlab Starter" })).toBeVisible();
});

test("I10: a weak password gets a field error and creates no account", async ({ page }) => {
  const email = uniqueEmail("weak");
  await signUp(page, email, "short", undefined, { verify: false });
  await expect(page.getByText("Use at least 10 characters.")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Email")).toHaveValue(email); // what was typed is kept
  await signIn(page, email, "short");
  await expect(page.getByTestId("form-message")).toHaveText("Email or password is incorrect.");
});

test("I10: a duplicate email (any letter case) gets a field error", async ({ page, browser }) => {
  const email = uniqueEmail("dup");
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  const other = await browser.newPage();
  await signUp(other, email.toUpperCase(), undefined, undefined, { verify: false });
  await expect(other.getByText("An account with this email already exists. Sign in instead.")).toBeVisible();
  await expect(other).toHaveURL(/\/sign-up$/);
  await other.close();
});

test("a wrong password and an unknown email get the same message", async ({ page }) => {
  const email = uniqueEmail("wrongpw");
  await signUp(page, email);
  await signOut(page);
  await signIn(page, email, "not my password at all");
  await expect(page.getByTestId("form-message")).toHaveText("Email or password is incorrect.");
  await signIn(page, uniqueEmail("nobody"), goodPassword);
  await expect(page.getByTestId("form-message")).toHaveText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("sign-in is paused after 5 failures for an email, with a clear message", async ({ page }) => {
  const email = uniqueEmail("limited");
  await signUp(page, email);
  await signOut(page);
  for (let i = 0; i < 5; i++) {
    await signIn(page, email, `wrong password ${i}`);
    await expect(page.getByTestId("form-message")).toHaveText("Email or password is incorrect.");
  }
  await signIn(page, email, goodPassword);
  await expect(page.getByTestId("form-message")).toContainText("Too many sign-in attempts");
  await expect(page.getByTestId("form-message")).toContainText("try again in 15 minutes");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("a customer opening /admin gets 403; a signed-out visitor is sent to sign in", async ({ page, request }) => {
  const anonymous = await request.get("/admin", { maxRedirects: 0 });
  expect(anonymous.status()).toBe(307);
  expect(anonymous.headers()["location"]).toContain("/sign-in?next=%2Fadmin");

  await signUp(page, uniqueEmail("nosy"));
  await expect(page).toHaveURL(/\/dashboard$/);
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "This area is for operators" })).toBeVisible();
});

test("the operator sees users and plans on /admin", async ({ page }) => {
  await signIn(page, "admin@lab.test", "operator pass phrase");
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: /Users/ })).toBeVisible();
  await expect(page.getByRole("cell", { name: "admin@lab.test" })).toBeVisible();
  await expect(page.getByRole("cell", { name: /EVE-NG Pro/ })).toBeVisible();
});

test("pages that need an account redirect to sign-in and come back", async ({ page }) => {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fdashboard$/);
  const email = uniqueEmail("comeback");
  await page.getByRole("link", { name: "Create an account" }).click();
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
});
