// Resize end to end in Chromium against a production build and the stand-ins: the customer picks
// new totals, sees Stripe's preview, pays (card on file, paid at once), and only then the apply
// run shuts the VM down once, sets the new resources, grows the disk and starts it once.
import { expect, test, type Page } from "@playwright/test";
import { uniqueEmail } from "./helpers";
import { buyVm, THREE_D_SECURE } from "./buy-vm";
import { sims } from "./sims";

/** Asks for 4 vCPU, 12 GB, 80 GB on the resize page and accepts the price. */
async function resizeTo4x12x80(page: Page) {
  await page.getByLabel("vCPUs").fill("4");
  await page.getByLabel("RAM (GB)").fill("12");
  await page.getByLabel("Disk (GB)").fill("80");
  await page.getByRole("button", { name: "See the price" }).click();
  await expect(page.getByTestId("new-monthly")).toHaveText("$35"); // $19 + 2 × $4 + 4 × $1.50 + 2 × $1
  await expect(page.getByTestId("amount-due")).toHaveText(/^\$\d+(\.\d\d)?$/);
  await expect(page.getByText(/restarts to apply the new size/)).toBeVisible();
}

/** Exactly one "resized" email reached the customer. */
async function expectOneResizedEmail(email: string) {
  await expect.poll(async () => (await sims.mailTo(email)).filter((m) => /resized/i.test(m.subject)).length, { timeout: 20_000 }).toBe(1);
}

async function expectApplied(page: Page, vmid: number, since: number) {
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("resize-status-label")).toHaveText("Applied", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  const vm = (await sims.proxmoxVms()).find((v) => v.vmid === vmid)!;
  expect(vm.status).toBe("running");
  expect(Number(vm.config.cores)).toBe(4);
  expect(Number(vm.config.memory)).toBe(12 * 1024);
  expect(String(vm.config.scsi0)).toMatch(/size=80G/);
  const posts = (await sims.proxmoxRequests(since)).filter((r) => r.method === "POST" && r.path.includes(`/qemu/${vmid}/status/`));
  expect(posts.map((r) => r.path.split("/").at(-1))).toEqual(["shutdown", "start"]);
}

test.describe.configure({ mode: "serial" });

test("I1: a paid upgrade gives the VM the new cores, memory and disk with one shutdown, one start and one email", async ({ page }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("resizer");
  const vmid = await buyVm(page, email);
  const vmUrl = page.url();

  await page.getByTestId("open-resize").click();
  await expect(page.getByTestId("current-size")).toContainText("2 vCPU · 8 GB RAM · 60 GB disk");
  // Shrinking the disk is refused at input, with the field's own message.
  await page.getByLabel("Disk (GB)").fill("50");
  await page.getByRole("button", { name: "See the price" }).click();
  await expect(page.getByText("A disk can only grow: it is 60 GB now and cannot be made smaller.")).toBeVisible();

  await resizeTo4x12x80(page);
  const since = await sims.proxmoxLastRequestId();
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expectApplied(page, vmid, since);
  await expectOneResizedEmail(email);

  await page.goto(vmUrl);
  await expect(page.getByText("4 vCPU · 12 GB RAM · 80 GB disk", { exact: true })).toBeVisible();
});

test("I1: a 3-D Secure card changes nothing until the customer pays on the hosted invoice page; then it applies once (via the webhook)", async ({ page }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("resizer3ds");
  const vmid = await buyVm(page, email, THREE_D_SECURE);
  await page.getByTestId("open-resize").click();
  await resizeTo4x12x80(page);
  const since = await sims.proxmoxLastRequestId();
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expect(page.getByTestId("resize-status-label")).toHaveText("Waiting for payment");
  await expect(page.getByTestId("resize-message")).toContainText("Your bank asks you to confirm this payment (3-D Secure). Your VM is unchanged");
  // Nothing reached Proxmox for this VM while the money is not in (the webhooks have all arrived).
  await sims.stripeIdle();
  expect((await sims.proxmoxRequests(since)).filter((r) => r.path.includes(`/qemu/${vmid}`))).toEqual([]);

  const resizeUrl = page.url();
  await page.getByTestId("pay-invoice").click();
  await page.getByLabel("Card number").fill(THREE_D_SECURE);
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page.getByText("Payment received. Thank you!")).toBeVisible();
  await page.goto(resizeUrl);
  await expectApplied(page, vmid, since);
  await expectOneResizedEmail(email);
});

test("I1: 3-D Secure completed in our page (Stripe.js handleNextAction from STRIPE_JS_URL) applies the resize once", async ({ page }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("resizer3dsin");
  const vmid = await buyVm(page, email, THREE_D_SECURE);
  await page.getByTestId("open-resize").click();
  await resizeTo4x12x80(page);
  const since = await sims.proxmoxLastRequestId();
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expect(page.getByTestId("resize-status-label")).toHaveText("Waiting for payment");

  const popupOpened = page.waitForEvent("popup");
  await page.getByTestId("confirm-3ds").click();
  const challenge = await popupOpened;
  await challenge.getByRole("button", { name: "Complete authentication" }).click();
  // The page re-reads Stripe and moves on from "Waiting for payment" by itself.
  await expect(page.getByTestId("resize-status-label")).not.toHaveText("Waiting for payment", { timeout: 20_000 });
  await expect(page.getByTestId("confirm-3ds")).toHaveCount(0);
  await expectApplied(page, vmid, since);
  await expectOneResizedEmail(email);
});

test("I1: a declined card reaches no Proxmox at all and says why; left unpaid, the resize lapses and nothing changes", async ({ page }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("resizerdecline");
  const vmid = await buyVm(page, email);
  const customer = await sims.stripeCustomerByEmail(email);
  await sims.stripeSetCard(customer.id, "4000000000009995"); // insufficient funds from now on
  await page.getByTestId("open-resize").click();
  await resizeTo4x12x80(page);
  const since = await sims.proxmoxLastRequestId();
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expect(page.getByTestId("resize-status-label")).toHaveText("Waiting for payment");
  await expect(page.getByTestId("resize-message")).toContainText("Your card has insufficient funds. Your VM is unchanged.");
  await expect(page.getByTestId("pay-invoice")).toBeVisible();
  await sims.stripeIdle();
  expect((await sims.proxmoxRequests(since)).filter((r) => r.path.includes(`/qemu/${vmid}`))).toEqual([]);

  // Never paid: Stripe drops the pending update (23 h later) and voids its invoice.
  await sims.stripeExpirePendingUpdate(customer.subscriptionIds[0]!);
  await sims.stripeIdle();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("resize-status-label")).toHaveText("Lapsed unpaid", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("resize-message")).toContainText("Nothing was charged or changed");
  await expect(page.getByTestId("pay-invoice")).toHaveCount(0);
  await expect(page.getByTestId("current-size")).toContainText("2 vCPU · 8 GB RAM · 60 GB disk");
  expect((await sims.proxmoxRequests(since)).filter((r) => r.path.includes(`/qemu/${vmid}`))).toEqual([]);
});
