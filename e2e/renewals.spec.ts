// What happens at a renewal, in Chromium, on the customers' own Stripe test clocks (issue 16): a
// downgrade scheduled for the renewal (a Stripe subscription schedule) changes nothing until the
// renewal is paid, then is applied once; a declined renewal is paid within seconds of a card update
// in the portal flow (issue 17). The operator puts each account on a test clock before its first
// checkout (/admin/billing) and the stand-in's test-clock controls move only that clock, so this
// spec runs in any order with the others. (A failed renewal and the whole ladder:
// billing-life.spec.ts.)
import { expect, test, type Page } from "@playwright/test";
import { uniqueEmail } from "./helpers";
import { buyVm } from "./buy-vm";
import { sims } from "./sims";
import { advanceClockBy, clockTime, putOnTestClock } from "./rehearsal";

test.describe.configure({ mode: "serial" });

const downsizer = { email: uniqueEmail("downsizer"), vmid: 0, vmUrl: "", since: 0 };
const cardUpdater = { email: uniqueEmail("card-update"), vmUrl: "" };
let downsizerPage: Page;
let cardUpdaterPage: Page;

test.afterAll(async () => {
  await downsizerPage?.context().close();
  await cardUpdaterPage?.context().close();
});

test("before the renewal: a downgrade is scheduled (nothing due, nothing changes)", async ({ browser }) => {
  test.setTimeout(180_000);
  const page = (downsizerPage = await (await browser.newContext()).newPage());
  downsizer.vmid = await buyVm(page, downsizer.email, undefined, () => putOnTestClock(browser, downsizer.email));
  downsizer.vmUrl = page.url();
  // Grow first (paid now, applied now), so there is something to give back at renewal.
  await page.getByTestId("open-resize").click();
  await page.getByLabel("vCPUs").fill("4");
  await page.getByLabel("RAM (GB)").fill("12");
  await page.getByRole("button", { name: "See the price" }).click();
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("resize-status-label")).toHaveText("Applied", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });

  // Less CPU and RAM: nothing due now, the renewal date and the new monthly price shown.
  await page.getByLabel("vCPUs").fill("3");
  await page.getByLabel("RAM (GB)").fill("10");
  await page.getByRole("button", { name: "See the price" }).click();
  await expect(page.getByTestId("amount-due")).toHaveText("nothing");
  await expect(page.getByTestId("effective-date")).toHaveText(/^\d{1,2} \w+ \d{4}$/);
  await expect(page.getByTestId("new-monthly")).toHaveText("$26"); // $19 + 1 × $4 + 2 × $1.50
  await page.getByRole("button", { name: "Schedule this change" }).click();
  await expect(page.getByTestId("resize-status-label")).toHaveText("Scheduled for your next renewal");
  await expect(page.getByTestId("resize-scheduled")).toContainText("Until then nothing changes");
  await expect(page.getByRole("button", { name: "Cancel the scheduled change" })).toBeVisible();

  await page.goto(downsizer.vmUrl);
  await expect(page.getByTestId("scheduled-resize")).toContainText("3 vCPU · 10 GB RAM from your renewal on");
  await page.getByTestId("scheduled-resize").click();
  await page.waitForURL(/\/resize$/);

  // Before the renewal: the VM keeps its size, and nothing reached Proxmox for it.
  downsizer.since = await sims.proxmoxLastRequestId();
  await sims.stripeIdle();
  await page.reload();
  await expect(page.getByTestId("resize-status-label")).toHaveText("Scheduled for your next renewal");
  expect((await sims.proxmoxRequests(downsizer.since)).filter((r) => r.path.includes(`/qemu/${downsizer.vmid}`))).toEqual([]);

  // The second customer, on a clock of their own: a VM whose card declines from now on, fixed
  // later through the portal's card flow.
  cardUpdaterPage = await (await browser.newContext()).newPage();
  await buyVm(cardUpdaterPage, cardUpdater.email, undefined, () => putOnTestClock(browser, cardUpdater.email));
  cardUpdater.vmUrl = cardUpdaterPage.url();
  await sims.stripeSetCard((await sims.stripeCustomerByEmail(cardUpdater.email)).id, "4000000000000002");
});

test("I1: at the renewal the downgrade is applied once, after the renewal at the smaller price is paid", async ({ browser }) => {
  test.setTimeout(180_000);
  const page = downsizerPage;
  // The month passes on the customer's clock: Stripe renews at the smaller size and the webhooks arrive.
  const clock = await browser.newPage();
  const t0 = await clockTime(clock, downsizer.email);
  const renewal = new Date(t0);
  renewal.setUTCMonth(renewal.getUTCMonth() + 1);
  await advanceClockBy(clock, downsizer.email, (renewal.getTime() - t0.getTime()) / 3_600_000 + 2);
  await sims.stripeIdle();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("resize-status-label")).toHaveText("Applied", { timeout: 1_000 });
  }).toPass({ timeout: 90_000 });
  const vm = (await sims.proxmoxVms()).find((v) => v.vmid === downsizer.vmid)!;
  expect([vm.status, Number(vm.config.cores), Number(vm.config.memory)]).toEqual(["running", 3, 10 * 1024]);
  const posts = (await sims.proxmoxRequests(downsizer.since)).filter((r) => r.method === "POST" && r.path.includes(`/qemu/${downsizer.vmid}/status/`));
  expect(posts.map((r) => r.path.split("/").at(-1))).toEqual(["shutdown", "start"]);
  await expect.poll(async () => (await sims.mailTo(downsizer.email)).filter((m) => /resized/i.test(m.subject)).length, { timeout: 20_000 }).toBe(2);
  await page.goto(downsizer.vmUrl);
  await expect(page.getByText("3 vCPU · 10 GB RAM · 60 GB disk", { exact: true })).toBeVisible();
  await expect(page.getByTestId("scheduled-resize")).toHaveCount(0);
});

test("I7: a declined renewal is paid within seconds of a card update in the portal flow, which offers nothing but the card and lands back on /billing", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const page = cardUpdaterPage;
  // The month passes on this customer's clock only: the renewal is declined.
  const clock = await browser.newPage();
  const t0 = await clockTime(clock, cardUpdater.email);
  const renewal = new Date(t0);
  renewal.setUTCMonth(renewal.getUTCMonth() + 1);
  await advanceClockBy(clock, cardUpdater.email, (renewal.getTime() - t0.getTime()) / 3_600_000 + 2);
  await clock.close();
  await sims.stripeIdle();
  await page.goto("/billing");
  const sub = page.getByTestId("subscription");
  await expect(async () => {
    await page.reload();
    await expect(sub.getByTestId("billing-state")).toHaveText("Payment overdue", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  // Stripe's words for the decline, and that its next retry would wait days.
  await expect(sub.getByTestId("payment-problem")).toHaveText("Your card was declined.");
  await expect(sub.getByTestId("payment-retry")).toContainText("Stripe tries again on");

  await page.getByRole("button", { name: "Update card" }).click();
  await page.waitForURL(/\/p\/session\//);
  await expect(page.getByRole("heading", { name: "Update your payment method" })).toBeVisible();
  // The product's portal: the card form only — no plan, quantity, cancellation or details.
  for (const other of ["Cancel plan", "Update plan", "Update information", "Subscriptions"]) await expect(page.getByText(other)).toHaveCount(0);
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Update card" }).click();
  await page.waitForURL(/\/billing$/);

  const landed = Date.now();
  await expect(async () => {
    await page.reload();
    await expect(sub.getByTestId("billing-state")).toHaveText("Active", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const seconds = (Date.now() - landed) / 1000;
  console.log(`card update → renewal paid and billing active: ${seconds.toFixed(1)} s`);
  expect(seconds).toBeLessThan(30);
  await expect(sub.getByRole("link", { name: /^Pay now/ })).toHaveCount(0);
  await expect(sub.getByTestId("owed-invoice")).toHaveCount(0);
  await expect(sub.locator("tbody tr").first()).toContainText("paid");
  await page.goto(cardUpdater.vmUrl);
  await expect(page.getByTestId("vm-billing")).toHaveAttribute("data-state", "active");
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
});
