// The enforcement ladder end to end on the stand-ins (issue 11 "Prove it", issue 16's one clock): a
// real provisioned VM, a real Stripe subscription whose renewal fails, its customer on a Stripe test
// clock that the tests advance as an operator would, the serialised mirror, the tick (measuring
// every step on that clock), and the suspend / restore / delete functions. Each test builds its own
// customer, VM and subscription (test/fixtures/billing.ts), so any one runs alone.
import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripe } from "@/lib/billing/stripe";
import { issueConsoleToken } from "@/lib/console/console-token";
import { requestPower } from "@/lib/power/request-power";
import { getVmStatus, vmPower } from "@/lib/proxmox/api";
import { waitForTaskOk } from "@/lib/proxmox/tasks";
import { billingGate } from "@/lib/billing-state/gates";
import { PaymentRequiredError } from "@/lib/errors";
import { ladderConfig } from "@/lib/billing-state/ladder";
import { stopSuspendedVmsFoundRunning } from "@/lib/billing-state/enforce-vm";
import { approveDeletion } from "@/lib/billing-state/approve-deletion";
import { billingRestoreVmFunction } from "@/inngest/functions/billing-restore-vm";
import { billingDeleteVmFunction } from "@/inngest/functions/billing-delete-vm";
import { vmPowerFunction } from "@/inngest/functions/vm-power";
import { listCustomerVms } from "@/lib/vms/list-customer-items";
import { loadVmBilling } from "@/lib/billing-state/customer-billing";
import { leftoversFor, NOTHING_LEFT, proxmox } from "@/test/fixtures/provisioning";
import {
  billingEmails,
  enforcementOf,
  failRenewal,
  HOUR,
  overdueVm,
  payInvoiceOnPage,
  runMirrorFor,
  sentEvents,
  setCard,
  subscribedVm,
  suspendForBilling,
  tickAt,
  setUpBillingTests,
} from "@/test/fixtures/billing";

setUpBillingTests();

const at = (unix: number) => new Date(unix * 1000);

describe("enforcement ladder (I6, I7) on the stand-ins' clock", () => {
  it("I6: a failed renewal → past_due from the invoice's finalization, one warning email; the replayed event changes nothing (I3)", async () => {
    const s = await subscribedVm();
    const invoice = await failRenewal(s);
    const overdueSince = invoice.status_transitions.finalized_at!;
    const first = await runMirrorFor("invoice.payment_failed", invoice.id, s.subscriptionId);
    expect(first.error).toBeUndefined();
    const row = await enforcementOf(s.order.id);
    expect(row).toMatchObject({ state: "past_due", overdueSince: at(overdueSince), warningSentAt: expect.any(Date) });
    expect((await billingEmails(row.id)).map((e) => e.key)).toEqual([expect.stringContaining(":warning:")]);

    const replay = await runMirrorFor("invoice.payment_failed", invoice.id, s.subscriptionId);
    expect(replay.error).toBeUndefined();
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "past_due", overdueSince: at(overdueSince), warningSentAt: row.warningSentAt });
    expect(await billingEmails(row.id)).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { subjectId: row.id, action: "billing.state_past_due" } })).toBe(1);
    // Nothing is blocked yet: the VM runs and may be started, consoled, reordered.
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "snapshot" })).toEqual({ allowed: true });
  });

  it("I6: final warning and backups blocked at their times on the customer's clock, not before; snapshots then refused", async () => {
    const s = await overdueVm();
    const { BILLING_FINAL_WARNING_HOURS: finalWarningHours, BILLING_BACKUPS_BLOCKED_HOURS: backupsBlockedHours } = ladderConfig();
    const before = await tickAt(s, s.overdueSince + finalWarningHours * HOUR - 60);
    expect((await enforcementOf(s.order.id)).state).toBe("past_due");
    expect(before.suspend).toEqual([]);
    await tickAt(s, s.overdueSince + Math.max(finalWarningHours, backupsBlockedHours) * HOUR + 60);
    const row = await enforcementOf(s.order.id);
    expect(row).toMatchObject({ state: "backups_blocked", finalWarningSentAt: expect.any(Date), backupsBlockedAt: expect.any(Date) });
    expect((await billingEmails(row.id)).map((e) => e.key.split(":")[2])).toEqual(["warning", "final_warning", "backups_blocked"]);
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "snapshot" })).toMatchObject({ allowed: false });
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toEqual({ allowed: true });
    // The same tick again applies nothing twice.
    expect((await tickAt(s, s.overdueSince + Math.max(finalWarningHours, backupsBlockedHours) * HOUR + 120)).applied).toBe(0);
    expect(await billingEmails(row.id)).toHaveLength(3);
  });

  it("I6: suspension shuts the running VM down (stopped, onboot off), never deletes it; start, console and orders answer payment required", async () => {
    const s = await overdueVm();
    const { tick, run } = await suspendForBilling(s);
    expect(tick.suspend).toEqual([{ enforcementId: (await enforcementOf(s.order.id)).id, suspendedAt: expect.any(String) }]);
    expect(run.result).toMatchObject({ before: "running" });
    expect(await enforcementOf(s.order.id)).toMatchObject({
      state: "suspended",
      suspendedAt: expect.any(Date),
      retainUntil: expect.any(Date),
      powerBeforeSuspend: "running",
      suspendDoneAt: expect.any(Date),
    });
    const machine = (await proxmox.vm(s.vmid))!;
    expect(machine).toMatchObject({ status: "stopped" });
    expect(String(machine.config.onboot ?? "0")).toBe("0");
    expect(await db.vm.findUniqueOrThrow({ where: { id: s.vm.id } })).toMatchObject({ status: "stopped", vmid: s.vmid });
    // The customer's pages say why: suspended for billing, not broken.
    expect((await listCustomerVms(s.user.id, 1)).items).toEqual([expect.objectContaining({ id: s.vm.id, statusLabel: "Suspended for billing" })]);
    expect(await loadVmBilling(s.user.id, s.vm.id)).toMatchObject({ state: "suspended", story: "overdue", label: "Suspended for an unpaid invoice" });

    await expect(requestPower({ userId: s.user.id, vmId: s.vm.id, action: "start" })).rejects.toBeInstanceOf(PaymentRequiredError);
    // A start queued before the suspension (or by anything automatic) is refused by the power function itself.
    const queued = await db.powerRequest.create({ data: { vmId: s.vm.id, userId: s.user.id, action: "start" } });
    const power = await new InngestTestEngine({
      function: vmPowerFunction,
      events: [{ name: "vm/power.requested", id: queued.id, data: { powerRequestId: queued.id, vmId: s.vm.id } } as never],
    }).execute();
    expect(power.result).toMatchObject({ status: "failed" });
    expect(await db.powerRequest.findUniqueOrThrow({ where: { id: queued.id } })).toMatchObject({
      status: "failed",
      error: expect.stringContaining("billing"),
    });
    expect((await proxmox.vm(s.vmid))!.status).toBe("stopped");
    expect(await issueConsoleToken({ userId: s.user.id, vmId: s.vm.id, binding: "b" })).toMatchObject({ kind: "payment_required" });
    expect(await billingGate({ userId: s.user.id, action: "order" })).toMatchObject({ allowed: false });
    // Shutdown and stop stay open (the VM is stopped, so the power rules, not billing, answer).
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "console" })).toMatchObject({ allowed: false });
  });

  it("I6: a suspended VM started on Proxmox by hand is found running and stopped again, audited; then retained", async () => {
    const s = await overdueVm();
    await suspendForBilling(s);
    await waitForTaskOk(await vmPower("pve1", s.vmid, "start"), "manual start", 30_000);
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("running");
    const stopped = await stopSuspendedVmsFoundRunning();
    expect(stopped.map((x) => x.vmId)).toContain(s.vm.id);
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");
    expect(await db.auditEvent.count({ where: { subjectId: s.vm.id, action: "billing.suspended_vm_found_running" } })).toBe(1);
    await tickAt(s, s.overdueSince + ladderConfig().BILLING_SUSPEND_HOURS * HOUR + 120);
    expect((await enforcementOf(s.order.id)).state).toBe("retained");
  });

  it("I7: paying the overdue invoice of a retained VM restores at once in the same run; the VM starts again (RESTORE_POWER=previous); one restored email", async () => {
    const s = await overdueVm();
    await suspendForBilling(s);
    await tickAt(s, s.overdueSince + ladderConfig().BILLING_SUSPEND_HOURS * HOUR + 120);
    expect((await enforcementOf(s.order.id)).state).toBe("retained");
    await setCard(s.customerId, "4242424242424242");
    await payInvoiceOnPage(s.invoice.id);
    const { ctx, error } = await runMirrorFor("invoice.paid", s.invoice.id, s.subscriptionId);
    expect(error).toBeUndefined();
    const row = await enforcementOf(s.order.id);
    expect(row).toMatchObject({ state: "active", overdueSince: null, restoredAt: expect.any(Date) });
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toEqual({ allowed: true });
    const restore = sentEvents(ctx).find((e) => e.name === "billing/vm.restore-requested")!;
    expect(restore).toBeDefined();

    for (let i = 0; i < 2; i++) {
      const run = await new InngestTestEngine({ function: billingRestoreVmFunction, events: [restore as never] }).execute();
      expect(run.error).toBeUndefined();
    }
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("running");
    expect(await db.vm.findUniqueOrThrow({ where: { id: s.vm.id } })).toMatchObject({ status: "running" });
    expect((await billingEmails(row.id)).filter((e) => e.key.includes(":restored:"))).toHaveLength(1);
    expect(await enforcementOf(s.order.id)).toMatchObject({ suspendedAt: null, powerBeforeSuspend: null });
  });
});

describe("restore policy and deletion (I6, I7)", () => {
  it("I7: under RESTORE_POWER=never a paid suspension lifts every block but leaves the VM stopped", async () => {
    const s = await overdueVm();
    await suspendForBilling(s);
    await setCard(s.customerId, "4242424242424242");
    await payInvoiceOnPage(s.invoice.id);
    const { ctx } = await runMirrorFor("invoice.paid", s.invoice.id, s.subscriptionId);
    const restore = sentEvents(ctx).find((e) => e.name === "billing/vm.restore-requested")!;
    const saved = env().RESTORE_POWER;
    env().RESTORE_POWER = "never";
    try {
      const run = await new InngestTestEngine({ function: billingRestoreVmFunction, events: [restore as never] }).execute();
      expect(run.result).toEqual({ did: "left stopped (RESTORE_POWER=never)" });
    } finally {
      env().RESTORE_POWER = saved;
    }
    expect((await getVmStatus("pve1", s.vmid)).status).toBe("stopped");
    expect((await enforcementOf(s.order.id)).state).toBe("active");
    expect(await billingGate({ userId: s.user.id, vmId: s.vm.id, action: "start" })).toEqual({ allowed: true });
  });

  it("I6: deletion waits for the retention window and an operator's approval (refused and audited before), then leaves nothing behind", async () => {
    const s = await overdueVm();
    const config = ladderConfig();
    const suspendAt = s.overdueSince + config.BILLING_SUSPEND_HOURS * HOUR + 60;
    await suspendForBilling(s);
    const row = await enforcementOf(s.order.id);
    await tickAt(s, suspendAt + 60);
    expect((await enforcementOf(s.order.id)).state).toBe("retained");

    const afterRetention = suspendAt + config.retainDays * 24 * HOUR + 3_600;
    // Retention not over: the delete function refuses (and audits) even when asked directly.
    const early = await new InngestTestEngine({
      function: billingDeleteVmFunction,
      events: [{ name: "billing/vm.delete-requested", data: { enforcementId: row.id, asOf: at(afterRetention).toISOString() } } as never],
    }).execute();
    expect(early.result).toEqual({ refused: "state is retained, not pending_deletion" });

    const queued = await tickAt(s, afterRetention);
    expect((await enforcementOf(s.order.id)).state).toBe("pending_deletion");
    expect(queued.delete.map((d) => d.enforcementId)).not.toContain(row.id);
    const unapproved = await new InngestTestEngine({
      function: billingDeleteVmFunction,
      events: [{ name: "billing/vm.delete-requested", data: { enforcementId: row.id, asOf: at(afterRetention).toISOString() } } as never],
    }).execute();
    expect(unapproved.result).toEqual({ refused: "no operator approval (and BILLING_AUTO_DELETE is off)" });
    expect(await db.auditEvent.count({ where: { subjectId: row.id, action: "billing.deletion_refused" } })).toBe(2);
    expect((await proxmox.vm(s.vmid))?.status).toBe("stopped");

    const admin = await db.user.create({ data: { email: `ops.${row.id}@example.test`, name: "Ops", passwordHash: "x", role: "admin" } });
    expect(await approveDeletion(row.id, admin.id)).toBe(true);
    const approved = await tickAt(s, afterRetention + 60);
    expect(approved.delete.map((d) => d.enforcementId)).toContain(row.id);
    const vm = await db.vm.findUniqueOrThrow({ where: { id: s.vm.id } });
    const networkId = vm.networkId;
    expect(networkId).not.toBeNull(); // on its customer's own VNet (issue 26)
    const before = await leftoversFor(s.vmid, vm.id, networkId);
    expect(before.vnets).toHaveLength(1);
    expect(before.tunnels.length + before.snippets.length).toBeGreaterThan(0); // provisioning made them
    const deletion = await new InngestTestEngine({
      function: billingDeleteVmFunction,
      events: [{ name: "billing/vm.delete-requested", data: { enforcementId: row.id, asOf: at(afterRetention).toISOString() } } as never],
    }).execute();
    expect(deletion.error).toBeUndefined();
    expect(await leftoversFor(s.vmid, vm.id, networkId)).toEqual(NOTHING_LEFT);
    expect(await enforcementOf(s.order.id)).toMatchObject({ state: "deleted", deletedAt: expect.any(Date) });
    expect(await db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({ status: "destroyed", vmid: null });
    expect((await billingEmails(row.id)).some((e) => e.key.includes(":deleted:"))).toBe(true);
    // I11: nothing bills for a VM that no longer exists — ended in the same run, audited.
    expect((await stripe().subscriptions.retrieve(s.subscriptionId)).status).toBe("canceled");
    expect((await stripe().invoices.retrieve(s.invoice.id)).status).toBe("void");
    const endings = { subjectId: s.order.id, action: { in: ["billing.subscription_canceled", "billing.invoice_voided"] } };
    expect(await db.auditEvent.count({ where: endings })).toBe(2);
    // Idempotent: the same request again changes nothing and records nothing twice.
    await new InngestTestEngine({
      function: billingDeleteVmFunction,
      events: [{ name: "billing/vm.delete-requested", data: { enforcementId: row.id, asOf: at(afterRetention).toISOString() } } as never],
    }).execute();
    expect(await db.auditEvent.count({ where: endings })).toBe(2);
  });
});
