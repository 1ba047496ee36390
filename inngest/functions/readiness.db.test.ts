// "Ready" means reachable (issue 20), through the real functions on the executor stand-in: an order
// is provisioned only once the guest's agent answers, cloud-init finished, the guest has vmx and its
// tunnel has a live connector; a guest that never reports in, and a node whose guests lack vmx,
// fail the order (with the nested-virtualization reason for the latter) and leave nothing behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { NESTED_VIRT_FAILURE_MESSAGE } from "@/lib/provisioning/compensate";
import { cloudflareSim, leftoversFor, NOTHING_LEFT, proxmox } from "@/test/fixtures/provisioning";
import { startLab, type LabWorld } from "@/test/fixtures/lab";

let lab: LabWorld;
beforeAll(async () => {
  // A guest gets 3 s to report in (the stand-in's guests boot in half a second).
  lab = await startLab({ GUEST_READY_TIMEOUT_SECONDS: "3" });
});
afterEach(async () => {
  await proxmox.resetGuestAgent();
  await proxmox.nested("pve1", true);
  await db.proxmoxNode.updateMany({ where: { name: "pve1" }, data: { nestedVirtMissingAt: null } });
});
afterAll(() => lab?.close());

describe("ready means reachable", () => {
  it("issue 20: provisioned only after the guest agent, cloud-init, vmx and the tunnel's connector report in", async () => {
    const mark = await proxmox.mark();
    await cloudflareSim.clearRequests();
    const result = await lab.provision();
    expect(result.status).toBe("provisioned");
    const vm = await db.vm.findUniqueOrThrow({ where: { id: result.vmId } });
    expect(vm).toMatchObject({ status: "running", nestedVirt: true });
    const calls = (await proxmox.requests(mark))
      .filter((r) => r.path.includes(`/qemu/${result.vmid}/agent/`))
      .map((r) => `${r.path.split("/agent/")[1]} ${r.params.file ?? ""}`.trim());
    expect(calls).toEqual(expect.arrayContaining(["info", "file-read /run/cloud-init/result.json", "file-read /proc/cpuinfo"]));
    expect((await cloudflareSim.requests()).some((r) => r.method === "GET" && r.path.endsWith(`/cfd_tunnel/${vm.tunnelId}/connections`))).toBe(true);
    // the guest got vmx because its CPU type is the node's (host)
    expect((await proxmox.vm(result.vmid!))?.config.cpu).toBe("host");
  });

  it("I8: a guest whose agent never answers fails at its readiness deadline, visibly, and leaves nothing behind", async () => {
    await proxmox.guestAgent({ agent: "silent" });
    const result = await lab.provision();
    expect(result.status).toBe("failed");
    const order = await db.order.findUniqueOrThrow({ where: { id: result.orderId } });
    expect(order.customerMessage).toMatch(/refund/i); // the failed build's refund words (#16), no nested-virtualization reason
    expect(order.customerMessage).not.toContain(NESTED_VIRT_FAILURE_MESSAGE);
    expect(order.failureReason).toMatch(/wait until reachable: its guest agent never answered before the readiness deadline/);
    expect(await leftoversFor(result.vmid!, result.vmId)).toEqual(NOTHING_LEFT);
  });

  it("I8: cloud-init that finishes with errors fails the order (no tunnel came up) and leaves nothing behind", async () => {
    await proxmox.guestAgent({ cloudInit: "error" });
    const result = await lab.provision();
    expect(result.status).toBe("failed");
    expect((await db.order.findUniqueOrThrow({ where: { id: result.orderId } })).failureReason).toMatch(/cloud-init finished with errors/);
    expect(await leftoversFor(result.vmid!, result.vmId)).toEqual(NOTHING_LEFT);
  });

  it("issue 20: a node whose guests lack vmx fails its orders with the nested-virtualization reason and is flagged for the operator", async () => {
    await proxmox.nested("pve1", false);
    const result = await lab.provision();
    expect(result.status).toBe("failed");
    const order = await db.order.findUniqueOrThrow({ where: { id: result.orderId } });
    expect(order.customerMessage).toContain(NESTED_VIRT_FAILURE_MESSAGE);
    expect(order.customerMessage).not.toMatch(/pve1/); // I4
    expect(order.failureReason).toMatch(/nested virtualization missing: the guest on pve1 has no vmx\/svm/);
    expect((await db.proxmoxNode.findUniqueOrThrow({ where: { name: "pve1" } })).nestedVirtMissingAt).not.toBeNull();
    expect(await db.auditEvent.count({ where: { action: "node.nested_virt_missing", subjectId: "pve1" } })).toBeGreaterThan(0);
    expect(await leftoversFor(result.vmid!, result.vmId)).toEqual(NOTHING_LEFT);
  });
});
