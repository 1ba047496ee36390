// Issue 16 in Chromium, driven only through the product's pages and the Stripe stand-in's
// test-clock controls (e2e/rehearsal.ts): the whole enforcement ladder rehearsed on a customer's
// test clock (warning → final warning → backups blocked → suspended → retained → pending deletion →
// the operator approves → deleted), payment during suspension restoring another customer's VM
// (RESTORE_POWER=previous), a customer with two VMs cancelling one (the other keeps working; the
// ended one says "ended" and is restored during retention), and a failed build refunded with its
// email. The ladder runs on short timers here (playwright.config.ts: 24 h, 48 h, 72 h, 3 days).
import { expect, test, type Page } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signUp, uniqueEmail } from "./helpers";
import { buyVm, purchaseVm } from "./buy-vm";
import { sims } from "./sims";
import { advanceClockBy, cardDeclinesFromNowOn, eventually, hoursToRenewal, putOnTestClock, signInAsOperator } from "./rehearsal";

test.describe.configure({ mode: "serial" });

const mails = async (email: string, subject: string) => (await sims.mailTo(email)).filter((m) => m.subject === subject).length;

async function billingState(page: Page, expected: string) {
  await eventually(page, "/billing", () => expect(page.getByTestId("billing-state").first()).toHaveText(expected, { timeout: 1_000 }));
}

test("the ladder rehearsed on a test clock: warning → final warning → backups blocked → suspended → retained → pending deletion → approved → deleted", async ({
  browser,
  page,
}) => {
  test.setTimeout(360_000);
  const email = uniqueEmail("rehearsal");
  const vmid = await buyVm(page, email, undefined, () => putOnTestClock(browser, email));
  const vmUrl = page.url();
  await cardDeclinesFromNowOn(page);
  const clock = await browser.newPage();

  await advanceClockBy(clock, email, await hoursToRenewal(clock, email));
  await billingState(page, "Payment overdue");
  await expect.poll(() => mails(email, "Your Lab VPS payment did not go through"), { timeout: 20_000 }).toBe(1);
  await page.goto(vmUrl);
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  // Money owed is visible (issue 21): the VM page and the dashboard say how much (Stripe's open
  // invoice, the amount /billing's Pay now shows) and when the next step of the ladder comes.
  await page.goto("/billing");
  const owedAmount = (await page
    .getByRole("link", { name: /^Pay now/ })
    .first()
    .textContent())!
    .replace("Pay now", "")
    .trim();
  const banner = page.getByTestId("money-owed");
  await page.goto(vmUrl);
  await expect(banner.getByTestId("money-owed-amount")).toHaveText(owedAmount);
  await expect(banner).toContainText(/Next, unless it is paid: final warning on \d{1,2} \w+ \d{4}\./);
  await page.goto("/dashboard");
  await expect(banner.getByTestId("money-owed-amount")).toHaveText(owedAmount);

  await advanceClockBy(clock, email, 24);
  await billingState(page, "Payment overdue (final warning)");
  await expect.poll(() => mails(email, "Final notice: your Lab VPS payment is still overdue"), { timeout: 20_000 }).toBe(1);

  await advanceClockBy(clock, email, 24);
  await billingState(page, "Payment overdue: snapshots and backups blocked");
  await expect.poll(() => mails(email, "Snapshots and backups are paused for your Lab VPS"), { timeout: 20_000 }).toBe(1);

  await advanceClockBy(clock, email, 24);
  await billingState(page, "Suspended for an unpaid invoice");
  await expect.poll(async () => (await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.status, { timeout: 60_000 }).toBe("stopped");
  await expect.poll(() => mails(email, "Your Lab VPS has been suspended"), { timeout: 20_000 }).toBe(1);
  await eventually(page, vmUrl, () => expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", /suspended|retained/, { timeout: 1_000 }));
  await expect(page.getByTestId("vm-billing-detail")).toContainText("Pay the invoice and access is restored at once");

  // The stop confirmed, the next tick keeps the data; three days on, it awaits deletion.
  await advanceClockBy(clock, email, 1);
  await eventually(page, vmUrl, () => expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", "retained", { timeout: 1_000 }));
  await advanceClockBy(clock, email, 3 * 24);
  await billingState(page, "Suspended for an unpaid invoice: to be deleted");
  expect((await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.status).toBe("stopped"); // never deleted before approval (I6)

  // The operator approves on /admin/billing; the next run carries it out, billing ended with it (I11).
  const admin = await signInAsOperator(browser);
  await admin.goto("/admin/billing");
  const queue = admin.getByRole("region", { name: "Deletion approval queue" }).getByRole("listitem").filter({ hasText: email });
  await queue.getByLabel("I confirm: delete this VM and its data").check();
  await queue.getByRole("button", { name: "Approve deletion" }).click();
  // Approved, it leaves the queue (the next run carries it out).
  await expect(queue).toHaveCount(0);
  await advanceClockBy(clock, email, 1);
  await billingState(page, "Deleted");
  await expect.poll(async () => (await sims.proxmoxVms()).some((v) => v.vmid === vmid), { timeout: 60_000 }).toBe(false);
  await expect.poll(() => mails(email, "Your Lab VPS has been deleted"), { timeout: 20_000 }).toBe(1);
  expect((await sims.stripeSubscriptionsOf(email)).map((s) => s.status)).toEqual(["canceled"]);
  await expect(page.getByTestId("renewal").first()).toHaveText("Not renewing");
  await admin.context().close();
});

test("I7: payment during suspension restores the VM at once (RESTORE_POWER=previous), with one email", async ({ browser, page }) => {
  test.setTimeout(240_000);
  const email = uniqueEmail("restored");
  const vmid = await buyVm(page, email, undefined, () => putOnTestClock(browser, email));
  await cardDeclinesFromNowOn(page);
  const clock = await browser.newPage();
  await advanceClockBy(clock, email, (await hoursToRenewal(clock, email)) + 73);
  await billingState(page, "Suspended for an unpaid invoice");
  await expect.poll(async () => (await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.status, { timeout: 60_000 }).toBe("stopped");

  await page.goto("/billing");
  await page.getByRole("link", { name: /^Pay now/ }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page.getByText("Payment received. Thank you!")).toBeVisible();
  await billingState(page, "Active");
  await page.goto("/dashboard");
  await expect(page.getByTestId("money-owed")).toHaveCount(0);
  await expect.poll(async () => (await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.status, { timeout: 60_000 }).toBe("running");
  await expect.poll(() => mails(email, "Access to your Lab VPS is restored"), { timeout: 20_000 }).toBe(1);
});

test("I12: two VMs, one cancelled — the other keeps working; the ended one says so (no money words) and is restored during retention", async ({
  browser,
  page,
}) => {
  test.setTimeout(300_000);
  const email = uniqueEmail("twovms");
  const vmidA = await buyVm(page, email, undefined, () => putOnTestClock(browser, email));
  const urlA = page.url();
  const vmidB = await purchaseVm(page);
  const urlB = page.url();

  await page.goto(urlA);
  await page.getByTestId("vm-billing").getByRole("button", { name: "Cancel at period end" }).click();
  // Ask first (issue 21): only the dialog's own button sends it.
  await page.getByRole("dialog").getByRole("button", { name: "Cancel at period end" }).click();
  await expect(page.getByTestId("vm-billing").getByRole("status")).toContainText("will end at the end of the current period");
  const clock = await browser.newPage();
  await advanceClockBy(clock, email, await hoursToRenewal(clock, email));

  // At the period end A's subscription has ended (not merely "cancels at the end of the period").
  await eventually(page, urlA, () => expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", "ended", { timeout: 1_000 }));
  const panelA = page.getByTestId("vm-billing");
  await expect(panelA).toHaveAttribute("data-story", "ended_by_customer");
  await expect(panelA.getByTestId("vm-billing-label")).toHaveText(/^Ended/);
  await expect(panelA.getByTestId("vm-billing-detail")).toContainText("Its data is kept until");
  await expect(panelA).not.toContainText(/unpaid|overdue|Pay the invoice/);
  await expect.poll(async () => (await sims.proxmoxVms()).find((v) => v.vmid === vmidA)?.status, { timeout: 60_000 }).toBe("stopped");
  await expect.poll(() => mails(email, "Your Lab VPS subscription has ended"), { timeout: 20_000 }).toBe(1);
  expect(await mails(email, "Your Lab VPS has been suspended")).toBe(0);
  await page.goto("/billing");
  await expect(page.getByRole("link", { name: /^Pay now/ })).toHaveCount(0);

  // B, paid up, keeps working: a reboot is accepted and carried out; new orders are open.
  await page.goto(urlB);
  await expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", "active");
  await page.getByRole("button", { name: "Reboot" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reboot" }).click();
  await expect(page.getByRole("region", { name: "Power" }).getByRole("status")).toHaveText("Your VM was rebooted.", { timeout: 30_000 });
  expect((await sims.proxmoxVms()).find((v) => v.vmid === vmidB)?.status).toBe("running");

  // Restore A while its data is kept: a checkout for its size; paid, the same VM runs again.
  await page.goto(urlA);
  await page.getByRole("button", { name: "Restore this VM" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 60_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  await expect(page).toHaveURL(urlA);
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  expect(Number(await page.getByTestId("vmid").textContent())).toBe(vmidA); // the same VM, no new build
  const name = (await page.locator("h1").textContent())!.trim();
  await expect.poll(() => mails(email, `Your VM ${name} is restored`), { timeout: 20_000 }).toBe(1);
});

test("I11: a build that cannot be done says when the customer is refunded, and is refunded by then, with the email", async ({ browser, page }) => {
  test.setTimeout(240_000);
  const email = uniqueEmail("refunded");
  await sims.proxmoxFault({ method: "POST", path: "/clone$", kind: "http500", message: "storage is offline" });
  try {
    await signUp(page, email);
    await putOnTestClock(browser, email);
    await page.goto("/pricing");
    await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
    await page.getByLabel("Your public key").fill(makeEd25519PublicKey("refund@e2e"));
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.getByLabel("Card number").fill("4242424242424242");
    await page.getByRole("button", { name: "Pay" }).click();
    await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "failed", { timeout: 90_000 });
    await expect(page.getByTestId("order-status")).toContainText(/We are retrying; if it cannot be built you are refunded in full by \d+ \w+ \d{4}\./);
  } finally {
    await sims.proxmoxClearFaults();
  }
  const orderUrl = page.url();
  const clock = await browser.newPage();
  await advanceClockBy(clock, email, 25);
  await eventually(page, orderUrl, () => expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "refunded", { timeout: 1_000 }));
  await expect(page.getByTestId("order-status")).toContainText("refunded $19 in full");
  await expect.poll(() => mails(email, "Your Lab VPS order was refunded"), { timeout: 20_000 }).toBe(1);
  expect((await sims.stripeSubscriptionsOf(email)).map((s) => s.status)).toEqual(["canceled"]);
});
