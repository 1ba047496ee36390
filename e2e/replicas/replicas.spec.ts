// Two app instances behind a round-robin proxy, one PostgreSQL, one set of stand-ins (issue 22,
// Build 6): a customer's purchase, resize, power actions and consoles, with consecutive requests
// (pages, server actions, webhooks, Inngest calls) served by alternating replicas and consecutive
// consoles relayed by different ones. The console limits hold across both (each replica alone
// holds fewer than the limit), and stopping the VM closes the consoles on both. Then the servers'
// whole log of that session is scanned (issue 22, Build 4): JSON lines, each with a request, run or
// task id, and no secret of any kind in any of them (I9).
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { e2eDataDir } from "../ports";
import { buyVm } from "../buy-vm";
import { uniqueEmail } from "../helpers";
import { sims } from "../sims";
import { REPLICAS_LOG_FILE, replicasDatabaseUrl } from "./replicas-database";

const servedBy = new Set<string>();
function watchReplicas(page: Page) {
  page.on("response", (response) => {
    const replica = response.headers()["x-labvps-replica"];
    if (replica) servedBy.add(replica);
  });
}

/** Live console leases of a VM and the instances holding them (lib/console/console-slots.ts). */
async function heldConsoles(vmId: string): Promise<{ count: number; holders: number }> {
  const client = new pg.Client({ connectionString: replicasDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: number; holders: number }>(
      `SELECT count(*)::int AS count, count(DISTINCT held_by)::int AS holders FROM console_tokens
        WHERE vm_id = $1 AND closed_at IS NULL AND held_until > now()`,
      [vmId],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

const consoleTokens: string[] = [];
async function openConsole(page: Page, vmUrl: string) {
  watchReplicas(page);
  page.on("websocket", (ws) => {
    const token = new URL(ws.url()).searchParams.get("t");
    if (token) consoleTokens.push(token);
  });
  await page.goto(`${vmUrl}/console`);
}

test("purchase, resize, power and consoles across two replicas; the per-VM console limit holds across both, and a stop closes the consoles on both", async ({
  page,
  context,
}) => {
  watchReplicas(page);
  const vmid = await buyVm(page, uniqueEmail("replicas"));
  const vmUrl = page.url();
  const vmId = new URL(vmUrl).pathname.split("/").at(-1)!;
  expect([...servedBy].sort()).toEqual(["1", "2"]);
  await page.getByRole("button", { name: "Reveal password" }).click();
  const vmPassword = (await page.getByTestId("vm-password").textContent())!.trim();

  // Resize: paid with the card on file, applied by resize-vm (whichever replica Inngest reaches).
  await page.getByTestId("open-resize").click();
  await page.getByLabel("vCPUs").fill("4");
  await page.getByRole("button", { name: "See the price" }).click();
  await expect(page.getByTestId("amount-due")).toHaveText(/^\$\d+(\.\d\d)?$/);
  await page.getByRole("button", { name: "Pay and resize" }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("resize-status-label")).toHaveText("Applied", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  expect(Number((await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.config.cores)).toBe(4);

  // Consoles (CONSOLE_MAX_PER_VM = 2): the first two are relayed by different replicas, so each
  // replica holds one; a per-process count would let the third in.
  const first = await context.newPage();
  await openConsole(first, vmUrl);
  await expect(first.getByTestId("console-state")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  const second = await context.newPage();
  await openConsole(second, vmUrl);
  await expect(second.getByTestId("console-state")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  expect(await heldConsoles(vmId)).toEqual({ count: 2, holders: 2 });
  const third = await context.newPage();
  await openConsole(third, vmUrl);
  await expect(third.getByTestId("console-state")).toHaveText("Too many consoles are open for this VM or your account. Close one and try again.");
  await third.close();

  // A hard stop (a power request run by vm-power on either replica) closes both consoles.
  await page.goto(vmUrl);
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Hard stop" }).click();
  // Ask first (issue 21): only the dialog's own button sends it.
  await page.getByRole("dialog").getByRole("button", { name: "Hard stop" }).click();
  for (const c of [first, second]) {
    await expect(c.getByTestId("console-state")).toHaveAttribute("data-state", "not_running", { timeout: 30_000 });
  }
  await expect.poll(() => heldConsoles(vmId)).toEqual({ count: 0, holders: 0 });
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Stopped", { timeout: 30_000 });
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.locator("header").getByTestId("vm-status")).toHaveText("Running", { timeout: 30_000 });
  expect((await sims.proxmoxVms()).find((v) => v.vmid === vmid)?.status).toBe("running");

  // The log of everything above, both replicas.
  const secrets = {
    "VM password": vmPassword,
    "console token": consoleTokens,
    "session cookie": (await context.cookies()).filter((c) => c.name.includes("session-token")).map((c) => c.value),
    AUTH_SECRET: fs.readFileSync(path.join(e2eDataDir, "auth-secret"), "utf8").trim(),
    VM_SECRET_KEY: fs.readFileSync(path.join(e2eDataDir, "vm-secret-key"), "utf8").trim(),
    "Stripe secret key": "sk_test_sim_labvps_local_only",
    "webhook signing secret": "whsec_sim_labvps_local_only",
    "Proxmox token secret": "sim-proxmox-token-secret",
    "Cloudflare token": "sim-cloudflare-token",
    "Resend key": "re_sim_local_key",
    "card number": "4242424242424242",
  };
  expect(consoleTokens.length).toBeGreaterThanOrEqual(3);
  const lines = fs.readFileSync(REPLICAS_LOG_FILE, "utf8").split("\n").filter(Boolean);
  expect(lines.length).toBeGreaterThan(20);
  const notJson = lines.filter((line) => !line.startsWith("{"));
  expect(notJson, "lines that are not JSON").toEqual([]);
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(
    parsed.filter((l) => !l.requestId && !l.runId && !l.taskId),
    "lines without a request, run or task id",
  ).toEqual([]);
  expect(parsed.some((l) => l.runId && l.fn)).toBe(true);
  for (const [name, values] of Object.entries(secrets)) {
    for (const value of [values].flat()) {
      expect(value.length, name).toBeGreaterThan(7);
      expect(
        lines.filter((line) => line.includes(value)),
        `${name} in the log`,
      ).toEqual([]);
    }
  }
});
