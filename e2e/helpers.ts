import { expect, type Page } from "@playwright/test";

export const uniqueEmail = (tag: string) => `${tag}.${Date.now()}.${Math.random().toString(36).slice(2, 7)}@example.com`;
export const goodPassword = "purple tunnel lab 42";

/** Fills the sign-up form; opens /sign-up first unless the page already shows the form. */
export async function signUp(page: Page, email: string, password = goodPassword, name = "Test Customer") {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/sign-up")) await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
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
