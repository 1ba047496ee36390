// Resize end to end in Chromium against a production build and the stand-ins: the customer picks
// new totals, sees Stripe's preview, pays (card on file, paid at once), and only then the apply
// run shuts the VM down once, sets the new resources, grows the disk and starts it once.
import { expect, test } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signUp, uniqueEmail } from "./helpers";
import { sims } from "./sims";

test("I1: a paid upgrade gives the VM the new cores, memory and disk with one shutdown, one start and one email", async ({ page }) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("resizer");
  await signUp(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("resizer@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  const vmid = Number(await page.getByTestId("vmid").textContent());
  const vmUrl = page.url();

  await page.getByTestId("open-resize").click();
  await expect(page.getByTestId("current-size")).toContainText("2 vCPU · 8 GB RAM · 60 GB disk");
  // Shrinking the disk is refused at input, with the field's own message.
  await page.getByLabel("Disk (GB)").fill("50");
  await page.getByRole("button", { name: "See the price" }).click();
  await expect(page.getByText("A disk can only grow: it is 60 GB now and cannot be made smaller.")).toBeVisible();

  await page.getByLabel("vCPUs").fill("4");
  await page.getByLabel("RAM (GB)").fill("12");
  await page.getByLabel("Disk (GB)").fill("80");
  await page.getByRole("button", { name: "See the price" }).click();
  await expect(page.getByTestId("new-monthly")).toHaveText("$35"); // $19 + 2 × $4 + 4 × $1.50 + 2 × $1
  await expect(page.getByTestId("amount-due")).toHaveText(/^\$\d+(\.\d\d)?$/);
  await expect(page.getByText(/restarts to apply the new size/)).toBeVisible();
  const since = await sims.proxmoxLastRequestId();

  await page.getByRole("button", { name: "Pay and resize" }).click();
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
  await expect.poll(async () => (await sims.mailTo(email)).filter((m) => /resized/i.test(m.subject)).length, { timeout: 20_000 }).toBe(1);

  await page.goto(vmUrl);
  await expect(page.getByText("4 vCPU · 12 GB RAM · 80 GB disk")).toBeVisible();
});
