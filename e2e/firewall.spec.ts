// Issue 26 in the browser: a customer's VM page has a Firewall panel; opening a port is recorded,
// shown as being applied, and carried out on the VM's Proxmox firewall in the background (the
// page never calls Proxmox). The operator's tenant network settings live on /admin/nodes, with
// field errors for what does not make sense.
import { expect, test } from "@playwright/test";
import { buyVm } from "./buy-vm";
import { signIn, uniqueEmail } from "./helpers";
import { sims } from "./sims";

test("the owner opens TCP 22 from their own VMs: carried out on its Proxmox firewall in the background", async ({ page }) => {
  const vmid = await buyVm(page, uniqueEmail("firewall"));
  const panel = page.getByTestId("firewall-panel");
  await expect(panel.getByTestId("firewall-status")).toHaveText("In place");
  const before = (await sims.proxmoxFirewalls())[String(vmid)];
  expect(before?.options).toMatchObject({ enable: 1, ipfilter: 1, macfilter: 1, policy_in: "DROP" });
  expect(await sims.proxmoxReach({ from: vmid, to: "internet", port: 443 })).toMatchObject({ reachable: true });

  await panel.getByLabel("Protocol").selectOption("tcp");
  await panel.getByLabel("Port or range").fill("70000");
  await panel.getByRole("button", { name: "Add rule" }).click();
  await expect(panel.getByText("A port from 1 to 65535, or a range like 8000-8100.")).toBeVisible();

  await panel.getByLabel("Port or range").fill("22");
  await panel.getByLabel("Note").fill("ssh between my labs");
  await panel.getByRole("button", { name: "Add rule" }).click();
  await expect(panel.getByTestId("firewall-rule")).toHaveText(/TCP 22 · ssh between my labs/);
  await panel.getByLabel("only the rules below").check();
  await panel.getByRole("button", { name: "Save", exact: true }).click();
  await expect(panel.getByTestId("firewall-status")).toHaveText("In place", { timeout: 30_000 });
  await expect
    .poll(async () => (await sims.proxmoxFirewalls())[String(vmid)]?.rules.filter((r) => r.type === "in").map((r) => `${r.proto} ${r.dport} ${r.enable}`))
    .toEqual(["tcp 22 1"]);
});

test("the operator's tenant network settings: current values shown, nonsense refused field by field", async ({ page }) => {
  await signIn(page, "admin@lab.test", "operator pass phrase");
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/admin/nodes");
  const form = page.getByTestId("network-settings-form");
  await expect(page.getByTestId("network-summary")).toHaveText(/customer networks in use \(vlan zone labvps\)/);
  await expect(form.getByLabel("SDN zone")).toHaveValue("labvps");
  await form.getByLabel("Address pool").fill("8.8.0.0/16");
  await form.getByLabel("First VM host").fill("1");
  await form.getByRole("button", { name: "Save network settings" }).click();
  await expect(form.getByText("Use a private range (10/8, 172.16/12, 192.168/16, 100.64/10).")).toBeVisible();
  await expect(form.getByText("Host 1 is the gateway: start at 2 or later.")).toBeVisible();
});
