// The stand-ins seen from a browser, without the app: the Stripe stand-in's hosted checkout page
// (driven by the real `stripe` client), and the Proxmox stand-in's console, whose framebuffer is
// read over a raw WebSocket and drawn on a canvas in Chromium.
// The stand-ins are started here on free ports; nothing below talks to the app.
import { expect, test } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { Agent, fetch } from "undici";
import { startAllSims, type RunningSims } from "@lab-vps/sim";
import { captureFramebuffer, openConsole, type VncProxyTicket, vncPasswordOf } from "@lab-vps/sim/testkit";

let sims: RunningSims;
let stateDir: string;

test.beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), "stand-ins-e2e-"));
  sims = await startAllSims({
    only: ["stripe", "proxmox"],
    statusPort: 0,
    stripe: { port: 0, webhookUrl: "" },
    proxmox: { port: 0, sshPort: 0, stateDir, taskDurationMs: 100 },
  });
});

test.afterAll(async () => {
  await sims?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test.describe("Stripe stand-in: hosted checkout", () => {
  let stripe: Stripe;
  let price: Stripe.Price;
  let base: string;

  test.beforeAll(async () => {
    const sim = sims.handles.stripe!;
    base = sim.url;
    stripe = new Stripe("sk_test_e2e", { host: "127.0.0.1", port: sim.port, protocol: "http", maxNetworkRetries: 0 });
    price = await stripe.prices.create({
      currency: "usd",
      unit_amount: 2900,
      recurring: { interval: "month" },
      lookup_key: "e2e_eve_ng_starter",
      product_data: { name: "EVE-NG Starter" },
    });
  });

  const createSession = (quantity = 1) =>
    stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity }],
      customer_email: "ada@example.test",
      // Pages that exist without the app: the stand-in's own inspection page and home page.
      success_url: `${base}/_sim?paid={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/?canceled=1`,
    });

  test("shows the order, refuses a declined card, then pays and lands on success_url", async ({ page }) => {
    const session = await createSession(2);
    expect(session.url).toBe(`${base}/checkout/${session.id}`);
    await page.goto(session.url!);

    const summary = page.getByRole("table", { name: "Order summary" });
    // One line: the product, its quantity and the line's amount (2 × $29.00) per interval.
    const line = summary.locator("tbody tr");
    await expect(line).toHaveCount(1);
    await expect(line).toContainText("EVE-NG Starter × 2");
    await expect(line).toContainText("$58.00 / month");
    await expect(summary.locator(".total")).toHaveText("$58.00");
    await expect(page.getByText("Paying as ada@example.test")).toBeVisible();

    await page.getByLabel("Card number").fill("4000000000000002");
    await page.getByRole("button", { name: "Pay" }).click();
    await expect(page.getByRole("alert")).toHaveText("Your card was declined.");
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");

    await page.getByLabel("Card number").fill("4242424242424242");
    await page.getByRole("button", { name: "Pay" }).click();
    await expect(page).toHaveURL(`${base}/_sim?paid=${session.id}`);
    // The stand-in's inspection page lists the session as complete.
    await expect(page.getByRole("heading", { name: "Stripe stand-in" })).toBeVisible();
    // (ids are shown cut to 24 characters).
    await expect(page.getByRole("row").filter({ hasText: session.id.slice(0, 24) })).toContainText("complete");

    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    expect(paid.status).toBe("complete");
    expect(paid.payment_status).toBe("paid");
    expect(paid.amount_total).toBe(5800);
    expect((paid.subscription as Stripe.Subscription).status).toBe("active");
    expect((paid.subscription as Stripe.Subscription).items.data[0].quantity).toBe(2);
  });

  test("Cancel sends the customer back to cancel_url and leaves the session open", async ({ page }) => {
    const session = await createSession();
    await page.goto(session.url!);
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(`${base}/?canceled=1`);
    await expect(page.getByRole("link", { name: "Inspect state and events" })).toBeVisible();
    const after = await stripe.checkout.sessions.retrieve(session.id);
    expect(after.status).toBe("open");
    expect(after.payment_status).toBe("unpaid");
  });
});

test.describe("Proxmox stand-in: console framebuffer", () => {
  test("a started clone's console, read over a raw WebSocket, draws a non-blank screen in the browser", async ({ page }) => {
    const pve = sims.handles.proxmox!;
    // The app's way: HTTPS pinned to the stand-in's CA (never verification off), API token header.
    const dispatcher = new Agent({ connect: { ca: pve.caCertPem } });
    const authorization = `PVEAPIToken=${pve.tokenId}=${pve.tokenSecret}`;
    const api = async <T>(method: string, apiPath: string, params?: Record<string, string | number>): Promise<T> => {
      const body = params && new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      const res = await fetch(`${pve.apiBase}${apiPath}`, { method, dispatcher, headers: { authorization }, body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${method} ${apiPath}: ${res.status} ${res.statusText} ${text}`);
      return (JSON.parse(text) as { data: T }).data;
    };
    const waitTask = async (upid: string) => {
      for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
        const status = await api<{ status: string; exitstatus?: string }>("GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
        if (status.status === "stopped") return status.exitstatus;
      }
      throw new Error(`task ${upid} did not finish`);
    };

    try {
      const vmid = Number(await api<string>("GET", "/cluster/nextid"));
      expect(await waitTask(await api<string>("POST", "/nodes/pve1/qemu/9000/clone", { newid: vmid, name: "lab-e2e", full: 1 }))).toBe("OK");
      expect(await waitTask(await api<string>("POST", `/nodes/pve1/qemu/${vmid}/status/start`))).toBe("OK");
      expect((await api<{ status: string }>("GET", `/nodes/pve1/qemu/${vmid}/status/current`)).status).toBe("running");
      const proxy = await api<VncProxyTicket>("POST", `/nodes/pve1/qemu/${vmid}/vncproxy`, { websocket: 1 });

      // A browser can neither send the token header nor trust the generated CA, so the raw
      // WebSocket + RFB handshake happens here, in Node; the pixels then go to Chromium.
      const client = await openConsole(pve, "pve1", vmid, proxy);
      const fb = await captureFramebuffer(client, vncPasswordOf(proxy));
      client.ws.close();
      expect([fb.width, fb.height, fb.name]).toEqual([640, 400, "lab-e2e"]);

      await page.setContent(`<canvas id="console" width="${fb.width}" height="${fb.height}"></canvas>`);
      const seen = await page.evaluate(
        ({ width, height, rgbx }) => {
          const canvas = document.getElementById("console") as HTMLCanvasElement;
          const ctx = canvas.getContext("2d")!;
          const bytes = Uint8ClampedArray.from(atob(rgbx), (c) => c.charCodeAt(0));
          for (let i = 3; i < bytes.length; i += 4) bytes[i] = 255; // RFB's padding byte → opaque
          ctx.putImageData(new ImageData(bytes, width, height), 0, 0);
          // Read back what the canvas holds, not what was sent.
          const drawn = ctx.getImageData(0, 0, width, height).data;
          const colours = new Set<number>();
          let lit = 0;
          for (let i = 0; i < drawn.length; i += 4) {
            const rgb = (drawn[i] << 16) | (drawn[i + 1] << 8) | drawn[i + 2];
            colours.add(rgb);
            if (rgb !== 0) lit++;
          }
          return { lit, colours: colours.size, text: colours.has((200 << 16) | (200 << 8) | 200) };
        },
        { width: fb.width, height: fb.height, rgbx: fb.pixels.toString("base64") },
      );
      // An empty (all-zero) framebuffer would give lit = 0 and a single colour.
      expect(seen.lit).toBeGreaterThan(1000);
      expect(seen.colours).toBeGreaterThan(1);
      expect(seen.text).toBe(true);
      await expect(page.locator("#console")).toBeVisible();
    } finally {
      await dispatcher.close();
    }
  });
});
