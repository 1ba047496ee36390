// Two Proxmox nodes, each its own SSH host with its own host key: the operator adds the second in
// Admin → Nodes, two orders land one on each, and each VM's cloud-init snippet is written on the
// VM's own node and read from there when the VM boots (the stand-in records what each boot used).
import { expect, test, type Page } from "@playwright/test";
import { makeEd25519PublicKey } from "@/test/fixtures/ssh-keys";
import { signIn, signOut, signUp, uniqueEmail } from "./helpers";
import { sims } from "./sims";

test.describe.configure({ mode: "serial" });

async function addSecondNode(page: Page) {
  const pve2 = (await sims.proxmoxNodes()).find((n) => n.node === "pve2");
  expect(pve2, "the stand-in runs a second node").toBeTruthy();
  await signIn(page, "admin@lab.test", "operator pass phrase");
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("navigation", { name: "Operator" }).getByRole("link", { name: "Nodes" }).click();
  await expect(page.getByRole("heading", { name: "Proxmox nodes" })).toBeVisible();
  if ((await page.locator('[data-testid="node-access-form"][data-node="pve2"]').count()) === 0) {
    const form = page.locator("form", { has: page.getByRole("heading", { name: "Add a node" }) });
    // Room for exactly one Containerlab Starter (2 vCPU, 8 GB, 60 GB): the two orders split.
    const values: Array<[string, string]> = [
      ["Node name", "pve2"],
      ["vCPUs", "2"],
      ["RAM (GB)", "8"],
      ["Disk (GB)", "60"],
      ["EVE-NG template VMID", "9100"],
      ["Containerlab template VMID", "9101"],
      ["SSH host", pve2!.host],
      ["SSH port", String(pve2!.port)],
      ["Host key fingerprint", pve2!.hostFingerprint],
      ["Snippet storage", "local"],
      ["Snippet directory", "/var/lib/vz/snippets"],
    ];
    for (const [label, value] of values) await form.getByLabel(label, { exact: true }).fill(value);
    await form.getByRole("button", { name: "Add node" }).click();
    await expect(form.getByTestId("form-message")).toHaveText("Added node pve2.");
  }
  await expect(page.locator('[data-testid="node-access-form"][data-node="pve2"]')).toBeVisible();
  await signOut(page);
}

async function buyContainerlabStarter(page: Page): Promise<number> {
  await signUp(page, uniqueEmail("twonodes"));
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Choose Containerlab Starter" }).click();
  await page.getByLabel("Your public key").fill(makeEd25519PublicKey("two-nodes@e2e"));
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "provisioned", { timeout: 60_000 });
  await page.getByRole("link", { name: "Open your VM" }).click();
  const vmid = Number(await page.getByTestId("vmid").textContent());
  await signOut(page);
  return vmid;
}

test("two nodes with separate SSH hosts: one order on each, each VM's snippet on its own node, each VM booted with it", async ({ page }) => {
  await addSecondNode(page);
  const vmids = [await buyContainerlabStarter(page), await buyContainerlabStarter(page)];

  const vms = (await sims.proxmoxVms()).filter((v) => vmids.includes(v.vmid));
  expect(vms.map((v) => v.node).sort()).toEqual(["pve1", "pve2"]);
  const snippets = await sims.proxmoxSnippets();
  for (const vm of vms) {
    // Named after the VM row, not the reusable VMID (labvps-vm-<id>.yaml): read it off the config.
    const file = String(vm.config.cicustom ?? "").replace(/^user=local:snippets\//, "");
    expect(file).toMatch(/^labvps-vm-[a-z0-9]+\.yaml$/);
    const mine = snippets.filter((s) => s.name === file);
    expect(
      mine.map((s) => s.node),
      `${file} exists on ${vm.node} only`,
    ).toEqual([vm.node]);
    expect(vm.status).toBe("running");
    expect(vm.config.cicustom).toBe(`user=local:snippets/${file}`);
    expect(vm.bootedWith).toEqual({ at: expect.any(String), node: vm.node, cicustom: `local:snippets/${file}`, userData: mine[0]!.content });
    expect(mine[0]!.content).toMatch(/^#cloud-config/);
  }
  // SSH only wrote files; `cicustom` and the drive rebuild went through the API of the VM's node.
  const requests = await sims.proxmoxRequests();
  expect(requests.filter((r) => r.method === "EXEC" && /^qm /.test(r.path))).toEqual([]);
  for (const vm of vms) expect(requests.some((r) => r.method === "PUT" && r.path === `/nodes/${vm.node}/qemu/${vm.vmid}/cloudinit`)).toBe(true);
});
