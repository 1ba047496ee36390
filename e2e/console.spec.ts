// The browser console end to end in Chromium: the owner buys a VM, clicks Console and types into
// it through our broker; the canvas is compared pixel for pixel with the stand-in's own
// rendering of the same keys. Nothing Proxmox-related reaches the page, its JS or its socket (I4).
import { expect, test, type Page } from "@playwright/test";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { PALETTE, TextScreen } from "@lab-vps/sim/testkit";
import { signUp, uniqueEmail } from "./helpers";
import { e2ePorts } from "./ports";
import { sims } from "./sims";

const PROXMOX_WORDS = [`127.0.0.1:${e2ePorts.proxmox}`, "PVEAPIToken", "PVEVNC", "vncticket", "vncwebsocket", "api2/json", "sim-proxmox-token-secret"];
const leakOptions = { nodeNames: ["pve1"], proxmoxHost: [`https://127.0.0.1:${e2ePorts.proxmox}`], internalPatterns: PROXMOX_WORDS };

async function buyRunningVm(page: Page) {
  await signUp(page, uniqueEmail("console"));
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("console@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 45_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running");
  const vmid = Number(await page.getByTestId("vmid").textContent());
  const name = String((await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.config.name);
  return { vmid, name, vmUrl: page.url() };
}

/**
 * How many canvas pixels differ from the reference screen (-1: not the guest's 640×400). Counted
 * in the page: shipping a million channel values back per poll is slower than the poll itself.
 */
async function differingPixels(page: Page, reference: TextScreen): Promise<number> {
  const indices = Buffer.from(reference.pixels).toString("base64");
  return page
    .locator("[data-testid=console-screen] canvas")
    .first()
    .evaluate(
      (canvas: HTMLCanvasElement, { indices, palette }) => {
        if (canvas.width !== 640 || canvas.height !== 400) return -1;
        const data = canvas.getContext("2d")!.getImageData(0, 0, 640, 400).data;
        const expected = atob(indices);
        let differ = 0;
        for (let i = 0; i < expected.length; i++) {
          const [r, g, b] = palette[expected.charCodeAt(i)];
          if (data[i * 4] !== r || data[i * 4 + 1] !== g || data[i * 4 + 2] !== b) differ++;
        }
        return differ;
      },
      { indices, palette: PALETTE },
    );
}

const typeInto = (screen: TextScreen, text: string) => {
  for (const ch of text) screen.key(ch === "\n" ? 0xff0d : ch.charCodeAt(0));
};

test("I4/I5: the owner types into the console, pastes, sends Ctrl-Alt-Del; a stop closes it in plain words and Start brings it back", async ({
  page,
  context,
}) => {
  const { vmid, name, vmUrl } = await buyRunningVm(page);
  const frames: string[] = [];
  const scripts: string[] = [];
  page.on("websocket", (ws) => {
    if (ws.url().includes("/console/ws"))
      ws.on("framereceived", (f) => frames.length < 8 && frames.push(typeof f.payload === "string" ? f.payload : f.payload.toString("latin1")));
  });
  page.on("response", (r) => {
    if (r.url().endsWith(".js")) scripts.push(r.url());
  });

  await page.getByTestId("open-console").click();
  await expect(page.getByTestId("console-state")).toHaveAttribute("data-state", "connected");
  const reference = new TextScreen(name, vmid);
  await expect.poll(() => differingPixels(page, reference), { timeout: 30_000 }).toBe(0);

  await page.locator("[data-testid=console-screen] canvas").first().click();
  await page.keyboard.type("hello");
  typeInto(reference, "hello");
  await expect.poll(() => differingPixels(page, reference), { timeout: 30_000 }).toBe(0);

  await page.getByLabel("Paste text (typed into the VM as keystrokes)").fill("World!\n");
  await page.getByRole("button", { name: "Type it" }).click();
  typeInto(reference, "World!\n");
  await expect.poll(() => differingPixels(page, reference), { timeout: 30_000 }).toBe(0);

  const before = await sims.proxmoxLastRequestId();
  await page.getByRole("button", { name: "Send Ctrl-Alt-Del" }).click();
  reference.ctrlAltDel();
  await expect.poll(() => differingPixels(page, reference), { timeout: 30_000 }).toBe(0);
  expect((await sims.proxmoxRequests(before)).map((r) => `${r.method} ${r.path}`)).toContain(`KEYS /nodes/pve1/qemu/${vmid}/ctrl-alt-del`);

  // Nothing of Proxmox in the page, its scripts or what the socket sent the browser.
  expect(frames[0]).toBe("RFB 003.008\n");
  expect(frames.slice(1, 3).map((f) => [...Buffer.from(f, "latin1")])).toEqual([
    [1, 1],
    [0, 0, 0, 0],
  ]);
  const texts = [await page.content(), ...frames, ...(await Promise.all(scripts.map(async (u) => (await page.request.get(u)).text())))];
  for (const text of texts) expect(findHypervisorLeaks(text, leakOptions)).toEqual([]);

  // Stopping the VM through the normal power path closes the console with a plain message.
  const other = await context.newPage();
  await other.goto(vmUrl);
  await other.getByRole("button", { name: "Hard stop" }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Hard stop" }).click();
  await expect(page.getByTestId("console-state")).toHaveAttribute("data-state", "not_running", { timeout: 30_000 });
  await expect(page.getByTestId("console-state")).toHaveText("The VM is not running, so its console closed.");
  await other.close();

  const vmId = new URL(vmUrl).pathname.split("/").at(-1);
  await expect.poll(async () => (await (await page.request.get(`/api/vms/${vmId}/status`)).json()).power?.active, { timeout: 30_000 }).toBe(false);
  await page.getByRole("button", { name: "Start VM" }).click();
  await expect(page.getByTestId("console-state")).toHaveAttribute("data-state", "connected", { timeout: 45_000 });
});

test("I5: another customer's console page is a 404", async ({ page, browser }) => {
  const { vmUrl } = await buyRunningVm(page);
  const stranger = await browser.newPage();
  await signUp(stranger, uniqueEmail("stranger"));
  await expect(stranger).toHaveURL(/\/dashboard$/);
  const response = await stranger.goto(`${new URL(vmUrl).pathname}/console`);
  expect(response?.status()).toBe(404);
  await stranger.close();
});
