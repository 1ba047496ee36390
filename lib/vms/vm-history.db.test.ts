// A VM's own history: from the audit trail (the VM, its order and its billing), newest first, in
// the customer's words, paginated, and nothing an operator wrote.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordAudit } from "@/lib/audit/record-audit";
import { findHypervisorLeaks } from "@/test/fixtures/hypervisor-leak";
import { createUser, createVmFixture } from "@/test/fixtures/vm";
import { HISTORY_PAGE_SIZE, loadVmHistory } from "@/lib/vms/vm-history";

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 12, minute));

async function event(
  action: string,
  subject: { type: string; id: string },
  minute: number,
  data: Record<string, unknown> = {},
  actor = { type: "system" as const },
) {
  await recordAudit(actor, action, subject, data as never);
  const row = await db.auditEvent.findFirstOrThrow({ where: { action, subjectId: subject.id }, orderBy: { createdAt: "desc" } });
  await db.auditEvent.update({ where: { id: row.id }, data: { createdAt: at(minute) } });
}

describe("loadVmHistory", () => {
  it("I4: newest first, in the customer's words, from the VM's, its order's and its billing's events; operator detail never shown", async () => {
    const { userId, vm, order } = await createVmFixture({ nodeName: "pve-secret-node" });
    const resize = await db.resizeRequest.create({
      data: {
        vmId: vm.id,
        userId,
        stripeSubscriptionId: `sub_${vm.id}`,
        kind: "upgrade",
        status: "applied",
        fromVcpus: 2,
        fromRamGb: 4,
        fromDiskGb: 40,
        vcpus: 4,
        ramGb: 8,
        diskGb: 60,
        amountDueMinor: 500,
        newMonthlyMinor: 3400,
        prorationDate: 0,
        currency: "usd",
        targetItems: {},
      },
    });
    const enforcement = await db.billingEnforcement.create({
      data: { subscriptionId: `sub-row-${vm.id}`, stripeSubscriptionId: `sub_${vm.id}`, userId, orderId: order.id, state: "past_due", overdueSince: at(50) },
    });
    await event("order.checkout_started", { type: "order", id: order.id }, 1);
    await event("order.provisioned", { type: "order", id: order.id }, 3, { vmid: 4242, node: "pve-secret-node" });
    await event("vm.power_requested", { type: "vm", id: vm.id }, 10, { action: "reboot" }, { type: "customer" } as never);
    await event("vm.power_failed", { type: "vm", id: vm.id }, 11, { action: "reboot", error: "VM is locked (backup) on pve-secret-node" });
    await event("console.opened", { type: "vm", id: vm.id }, 20);
    await event("console.token_refused", { type: "vm", id: vm.id }, 21, { reason: "payment_required" });
    await event("vm.resize_applied", { type: "vm", id: vm.id }, 30, { resizeRequestId: resize.id });
    await event("vm.firewall_rule_added", { type: "vm", id: vm.id }, 32, { protocol: "tcp", ports: "8000:8100", comment: "lab web", revision: 2 }, {
      type: "customer",
    } as never);
    await event("vm.firewall_mode_set", { type: "vm", id: vm.id }, 33, { allowAll: "selected", revision: 3 }, { type: "customer" } as never);
    await event("vm.firewall_synced", { type: "vm", id: vm.id }, 34, { reason: "drift", changed: ["options"] });
    await event("vm.resize_retry_requested", { type: "vm", id: vm.id }, 31, { resizeRequestId: resize.id }, { type: "admin", id: "operator-1" } as never);
    await event("billing.state_past_due", { type: "billing", id: enforcement.id }, 50, { from: ["active"], to: "past_due" });
    await event("billing.enforcement_failed", { type: "billing", id: enforcement.id }, 51, { error: "proxmox 500 on pve-secret-node" });

    const page = (await loadVmHistory(userId, vm.id, 1))!;
    expect(page.items.map((e) => e.text)).toEqual([
      "Renewal payment overdue",
      "Firewall: only the listed rules from your other VMs",
      "Firewall: TCP 8000–8100 from your other VMs allowed",
      "Resized to 4 vCPU · 8 GB RAM · 60 GB disk",
      "Console opened",
      "Reboot did not complete",
      "Reboot requested",
      "Created and started",
      "Ordered",
    ]);
    expect(page.total).toBe(9);
    expect(findHypervisorLeaks(JSON.stringify(page), { nodeNames: ["pve-secret-node"] })).toEqual([]);
    expect(JSON.stringify(page)).not.toMatch(/operator|locked|4242|retry|lab web|drift/);
  });

  it("pages through long histories; I5: another user's VM has none", async () => {
    const { userId, vm } = await createVmFixture();
    for (let i = 0; i < HISTORY_PAGE_SIZE + 3; i++) await event("console.opened", { type: "vm", id: vm.id }, i);
    const first = (await loadVmHistory(userId, vm.id, 1))!;
    const second = (await loadVmHistory(userId, vm.id, 2))!;
    expect([first.items.length, second.items.length, first.pageCount, first.total]).toEqual([HISTORY_PAGE_SIZE, 3, 2, HISTORY_PAGE_SIZE + 3]);
    expect(first.items[0].at > second.items[0].at).toBe(true);
    const stranger = await createUser();
    expect(await loadVmHistory(stranger.id, vm.id, 1)).toBeNull();
  });
});
