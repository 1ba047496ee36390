// Drift reconciliation against the stand-ins (issue 22, Build 2): each kind of drift is seeded into
// Proxmox, Cloudflare or Stripe behind our records' back, found with its evidence and first-seen
// time, and its action fixes exactly that, audited. (The shared test database holds other files'
// leftovers too, so assertions are about the seeded subjects.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { cloudflare } from "@/lib/access/cloudflare";
import { cloneVm, deleteVm, getTaskStatus, listClusterVms, vmPower, type Upid } from "@/lib/proxmox/api";
import { applyFinding } from "@/lib/reconcile/apply-finding";
import { requestApplyFinding } from "@/lib/reconcile/request-apply-finding";
import { runReconciliation } from "@/lib/reconcile/run-reconciliation";
import { subscribedVm, usePrivateStripeSim } from "@/test/fixtures/billing";
import { createUser, createVmFixture, uniqueVmid } from "@/test/fixtures/vm";
import { unique } from "@/test/fixtures/unique";

let closeStripe: () => Promise<void>;
let adminId: string;
beforeAll(async () => {
  closeStripe = await usePrivateStripeSim();
  adminId = (await createUser("admin")).id;
});
afterAll(() => closeStripe());

async function waitTask(node: string, upid: Upid) {
  for (;;) {
    const task = await getTaskStatus(node, upid);
    if (task.status === "stopped") return task.exitstatus;
    await new Promise((r) => setTimeout(r, 20));
  }
}
const openFinding = (kind: string, subject: string) => db.reconcileFinding.findFirst({ where: { kind, subject, openKey: { not: null } } });
async function apply(kind: string, subject: string, destructive = false) {
  const finding = (await openFinding(kind, subject))!;
  expect(finding, `${kind} ${subject}`).not.toBeNull();
  if (destructive) await expect(requestApplyFinding({ findingId: finding.id, adminId })).rejects.toThrow(/confirm it a second time/);
  await requestApplyFinding({ findingId: finding.id, adminId, confirmDestructive: destructive ? "yes" : undefined });
  const result = await applyFinding(finding.id);
  const audit = await db.auditEvent.findMany({ where: { subjectId: finding.id }, orderBy: { createdAt: "asc" } });
  expect(audit.map((a) => [a.action, a.actorId])).toEqual([
    ["reconcile.apply_requested", adminId],
    ["reconcile.applied", adminId],
  ]);
  return result;
}

describe("drift reconciliation", () => {
  it("I11: a VM deleted in Proxmox with its subscription still billing: the row follows, then the subscription is cancelled", async () => {
    const { vm, vmid, subscriptionId } = await subscribedVm();
    expect(await waitTask(vm.nodeName!, await vmPower(vm.nodeName!, vmid, "stop"))).toBe("OK");
    expect(await waitTask(vm.nodeName!, await deleteVm(vm.nodeName!, vmid))).toBe("OK");

    await runReconciliation();
    const gone = await openFinding("vm_gone", vm.id);
    expect(gone).toMatchObject({ destructive: false, evidence: { vmId: vm.id, vmid, recorded: "running" } });
    expect(gone!.firstSeenAt.getTime()).toBeLessThanOrEqual(Date.now());
    // The operator hears of it once per kind of drift, however many findings a run opens.
    expect(await db.operatorIncident.count({ where: { openKey: "reconciliation_finding:vm_gone" } })).toBe(1);
    await runReconciliation(); // seen again: the same finding, first seen unchanged
    expect((await openFinding("vm_gone", vm.id))!.firstSeenAt).toEqual(gone!.firstSeenAt);
    expect(await apply("vm_gone", vm.id)).toBe(`VM ${vm.id} marked destroyed`);
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).status).toBe("destroyed");

    await runReconciliation();
    expect(await openFinding("subscription_without_vm", subscriptionId)).toMatchObject({ destructive: true, evidence: { subscriptionId, status: "active" } });
    expect(await apply("subscription_without_vm", subscriptionId, true)).toBe(`canceled subscription ${subscriptionId}`);
    expect((await stripe().subscriptions.retrieve(subscriptionId)).status).toBe("canceled");
  });

  it("I6: a suspended VM found running is stopped; nothing else about it changes", async () => {
    const { vm, vmid, order, user, subscriptionId } = await subscribedVm();
    await db.billingEnforcement.upsert({
      where: { orderId: order.id },
      create: { subscriptionId: `sub_row_${unique()}`, stripeSubscriptionId: subscriptionId, userId: user.id, orderId: order.id, state: "suspended" },
      update: { state: "suspended" },
    });
    await runReconciliation();
    expect(await openFinding("suspended_running", vm.id)).toMatchObject({ evidence: { vmid, billingState: "suspended", power: "running" } });
    expect(await apply("suspended_running", vm.id)).toBe(`stopped VM ${vmid} on ${vm.nodeName}`);
    expect((await listClusterVms()).find((g) => g.vmid === vmid)?.status).toBe("stopped");
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).status).toBe("stopped");
  });

  it("a VM migrated to another node outside the product: the row follows it", async () => {
    const vmid = uniqueVmid();
    expect(await waitTask("pve1", await cloneVm("pve1", 9000, { newid: vmid, name: `moved-${vmid}`, target: "pve2" }))).toBe("OK");
    const { vm } = await createVmFixture({ vmid, nodeName: "pve1", status: "stopped" });
    await runReconciliation();
    expect(await openFinding("vm_moved", vm.id)).toMatchObject({ evidence: { recordedNode: "pve1", actualNode: "pve2" } });
    expect(await apply("vm_moved", vm.id)).toBe(`VM ${vm.id} now recorded on pve2`);
    expect((await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).nodeName).toBe("pve2");
    await runReconciliation();
    expect(await openFinding("vm_moved", vm.id)).toBeNull();
  });

  it("an orphan clone (our name, no row) is destroyed only after the second confirmation", async () => {
    const vmid = uniqueVmid();
    expect(await waitTask("pve1", await cloneVm("pve1", 9000, { newid: vmid, name: `labvps-vm-orphan${vmid}` }))).toBe("OK");
    await runReconciliation();
    expect(await openFinding("proxmox_orphan", String(vmid))).toMatchObject({
      destructive: true,
      evidence: { vmid, node: "pve1", name: `labvps-vm-orphan${vmid}` },
    });
    expect(await apply("proxmox_orphan", String(vmid), true)).toBe(`destroyed guest ${vmid} on pve1`);
    expect((await listClusterVms()).some((g) => g.vmid === vmid)).toBe(false);
  });

  it("a stray tunnel and DNS record (no VM owns them) are deleted, each its own finding, and the live VM's are left alone", async () => {
    const { vm } = await subscribedVm();
    const name = `labvps-vm-stray${unique()}`;
    const tunnel = await cloudflare().zeroTrust.tunnels.cloudflared.create({ account_id: env().CLOUDFLARE_ACCOUNT_ID, name, config_src: "cloudflare" });
    const record = await cloudflare().dns.records.create({
      zone_id: env().CLOUDFLARE_ZONE_ID,
      type: "CNAME",
      name: `stray-${unique()}`,
      content: `${tunnel.id}.cfargotunnel.com`,
      proxied: true,
      ttl: 1,
    });
    await runReconciliation();
    expect(await openFinding("orphan_tunnel", tunnel.id!)).toMatchObject({ evidence: { tunnelId: tunnel.id, name } });
    expect(await openFinding("orphan_dns_record", record.id)).toMatchObject({ evidence: { recordId: record.id } });
    expect(await openFinding("orphan_tunnel", vm.tunnelId!)).toBeNull();
    expect(await apply("orphan_dns_record", record.id, true)).toBe(`deleted DNS record ${record.id}`);
    expect(await apply("orphan_tunnel", tunnel.id!, true)).toBe(`deleted tunnel ${name}`);
    await runReconciliation();
    expect(await db.reconcileFinding.count({ where: { subject: { in: [tunnel.id!, record.id] }, openKey: { not: null } } })).toBe(0);
    // The live VM's own records are still there.
    expect((await cloudflare().zeroTrust.tunnels.cloudflared.get(vm.tunnelId!, { account_id: env().CLOUDFLARE_ACCOUNT_ID })).deleted_at).toBeFalsy();
  });
});
