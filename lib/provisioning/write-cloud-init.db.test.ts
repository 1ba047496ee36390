// Multi-node cloud-init: the snippet goes over SFTP to the VM's own node (its SSH daemon, its
// pinned host key, its snippet storage) and `cicustom` + the drive rebuild go through that node's
// API; no `qm` runs anywhere. The stand-in has pve1 and pve2, each with its own SSH daemon.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { deleteVm, getTaskStatus, getVmStatus, vmPower } from "@/lib/proxmox/api";
import { chooseNode } from "./choose-node";
import { cloneTemplate, waitForClone } from "./clone-template";
import { configureVm, growDisk } from "./configure-vm";
import { createTunnelAndDns } from "./create-tunnel-and-dns";
import { protectHostnames } from "./protect-hostnames";
import { reserveVmid } from "./reserve-vmid";
import { startProvisioning } from "./start-provisioning";
import { startVm } from "./start-vm";
import { uploadCloudInit, writeCloudInit } from "./write-cloud-init";
import { createPaidOrder, proxmox, retireProvisioningFixtures, snippetNameOf } from "@/test/fixtures/provisioning";

const made: number[] = [];
async function taskDone(upid: string) {
  while ((await getTaskStatus("pve2", upid)).status === "running") await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  const pve2 = (await proxmox.nodes()).find((n) => n.node === "pve2")!;
  const ssh = { sshHost: pve2.host, sshPort: pve2.port, sshHostFingerprint: pve2.hostFingerprint, snippetStorage: "local", snippetDir: "/var/lib/vz/snippets" };
  // Disabled: only orders placed on it by hand here land on it, never other files' orders.
  const node = await db.proxmoxNode.upsert({
    where: { name: "pve2" },
    create: { name: "pve2", cpuCapacity: 64, ramCapacityGb: 256, diskCapacityGb: 4000, enabled: false, ...ssh },
    update: { enabled: false, ...ssh },
  });
  for (const [labType, templateVmid] of [
    ["eve", 9100],
    ["containerlab", 9101],
  ] as const) {
    await db.template.upsert({
      where: { nodeId_templateVmid: { nodeId: node.id, templateVmid } },
      create: { nodeId: node.id, labType, templateVmid },
      update: { labType },
    });
  }
});
afterAll(async () => {
  for (const vmid of made) {
    if ((await getVmStatus("pve2", vmid)).status === "running") await taskDone(await vmPower("pve2", vmid, "stop"));
    await taskDone(await deleteVm("pve2", vmid));
  }
  await retireProvisioningFixtures();
});

/** The steps up to a started VM, with the order placed on pve2. */
async function provisionOnPve2() {
  const { order } = await createPaidOrder();
  await startProvisioning(order.id, 1);
  const vmid = await reserveVmid(order.id);
  made.push(vmid);
  await db.vm.update({ where: { orderId: order.id }, data: { nodeName: "pve2" } });
  expect(await chooseNode(order.id)).toEqual({ nodeName: "pve2", templateVmid: 9101 });
  const { upid } = await cloneTemplate(order.id);
  while (!(await waitForClone(order.id, upid, 10_000)).done);
  await configureVm(order.id);
  await growDisk(order.id);
  await protectHostnames(order.id);
  await createTunnelAndDns(order.id);
  const mark = await proxmox.mark();
  const written = await writeCloudInit(order.id);
  await startVm(order.id);
  const { id: vmId } = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
  return { vmid, vmId, written, requests: await proxmox.requests(mark) };
}

describe("write cloud-init on the VM's own node", () => {
  it("writes the snippet on pve2 through pve2's SSH daemon, sets cicustom and rebuilds the drive through the API; the VM boots with it", async () => {
    const { vmid, vmId, written, requests } = await provisionOnPve2();
    // Named after the VM row, not the reusable VMID (issue 12: names that cannot collide).
    const file = snippetNameOf(vmId);
    expect(written).toEqual({ snippetPath: `/var/lib/vz/snippets/${file}`, written: true });
    const snippets = (await proxmox.snippets()).filter((s) => s.name === file);
    expect(snippets.map((s) => s.node)).toEqual(["pve2"]);
    expect(requests.filter((r) => r.kind === "sftp").map((r) => [r.method, r.path, r.params.node])).toEqual([["PUT", `/var/lib/vz/snippets/${file}`, "pve2"]]);
    // The snippet directory exists on the node: no command runs, only the upload (mkdir only when missing).
    expect(requests.filter((r) => r.kind === "ssh").map((r) => r.path)).toEqual([]);
    expect(requests.filter((r) => r.kind === "api" && r.method === "PUT").map((r) => r.path)).toEqual([
      `/nodes/pve2/qemu/${vmid}/config`,
      `/nodes/pve2/qemu/${vmid}/cloudinit`,
    ]);
    const vm = (await proxmox.vm(vmid))!;
    expect(vm.config.cicustom).toBe(`user=local:snippets/${file}`);
    expect(vm.bootedWith).toMatchObject({ node: "pve2", cicustom: `local:snippets/${file}`, userData: snippets[0]!.content });
  });

  it("with a shared snippets storage configured for the node, writes there and the VM boots from it", async () => {
    await db.proxmoxNode.update({ where: { name: "pve2" }, data: { snippetStorage: "snippets-shared", snippetDir: "/mnt/pve/snippets-shared/snippets" } });
    try {
      const { vmid, vmId } = await provisionOnPve2();
      const file = snippetNameOf(vmId);
      expect((await proxmox.snippets()).filter((s) => s.name === file).map((s) => [s.node, s.storage])).toEqual([[null, "snippets-shared"]]);
      expect((await proxmox.vm(vmid))!.bootedWith).toMatchObject({ node: "pve2", cicustom: `snippets-shared:snippets/${file}` });
    } finally {
      await db.proxmoxNode.update({ where: { name: "pve2" }, data: { snippetStorage: "local", snippetDir: "/var/lib/vz/snippets" } });
    }
  });

  it("a snippet directory that does not exist yet is made (mkdir -p) and the upload goes through", async () => {
    const dir = `/var/lib/vz/snippets-${Date.now()}`;
    await db.proxmoxNode.update({ where: { name: "pve2" }, data: { snippetDir: dir } });
    try {
      const { order } = await createPaidOrder();
      await startProvisioning(order.id, 1);
      await reserveVmid(order.id); // never cloned: nothing to remove afterwards
      await db.vm.update({ where: { orderId: order.id }, data: { nodeName: "pve2" } });
      await protectHostnames(order.id);
      await createTunnelAndDns(order.id);
      const mark = await proxmox.mark();
      const { id: vmId } = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
      expect(await uploadCloudInit(order.id)).toEqual({ snippetPath: `${dir}/${snippetNameOf(vmId)}`, written: true });
      const requests = await proxmox.requests(mark);
      expect(requests.filter((r) => r.kind === "ssh").map((r) => r.path)).toEqual([`mkdir -p ${dir}`]);
      // The first open failed (no such directory, SSH_FX_NO_SUCH_FILE); the one after mkdir wrote it.
      expect(requests.filter((r) => r.kind === "sftp").map((r) => [r.method, r.path])).toEqual([["PUT", `${dir}/${snippetNameOf(vmId)}`]]);
    } finally {
      await db.proxmoxNode.update({ where: { name: "pve2" }, data: { snippetDir: "/var/lib/vz/snippets" } });
    }
  });
});
